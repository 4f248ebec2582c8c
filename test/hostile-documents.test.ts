import { fork, type ChildProcess } from 'node:child_process';
import { setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PIPELINE_QUERY } from './queries/demo-expectations.js';
import { HOSTILE_KINDS, median, processCpuSeconds, processRssBytes } from './support/hostile.js';
import { startServer, type RunningServer } from './support/processes.js';

/*
 * Issue 7, outcome 1: the BUILT server, as a process with the heap capped at 256 MB (as
 * deploy/ runs it), takes 300+ unique hostile documents of every kind from four clients
 * at once and stays up, its memory bounded and each document cheap, while a normal
 * client keeps being answered.
 *
 * Robust on a shared 2-core machine: CPU is the server process's own (from /proc, not a
 * wall clock), averaged per kind over two dozen documents; latency is compared as a ratio
 * of medians measured in this same test; the memory bound is the 64 MiB.
 */

const PER_KIND = Math.ceil(300 / HOSTILE_KINDS.length);
const ATTACKERS = 4;
const ATTACKER_NICENESS = Number(process.env.ATTACKER_NICENESS ?? 10);
const MIB = 1024 * 1024;

interface Answer {
  status: number;
  text: string;
}

/**
 * The attackers are a process of their own, as other clients would be, at a lower CPU
 * priority (nice 10; ATTACKER_NICENESS overrides it): on a shared 2-core machine, building
 * and sending their bodies would otherwise take CPU from the server and from the normal
 * client, and the latency ratio would measure the scheduler instead of what the server
 * lets one request cost another. (At nice 0, with a load average of 15, the ratio was
 * 11-13 while the attack kept the server only 12-18 % busy.) The figures printed include
 * the attack's rate and how busy it kept the server, so a weak attack shows.
 */
const ATTACKER = fileURLToPath(new URL('./support/attacker.mjs', import.meta.url));

describe('hostile documents against the built server (--max-old-space-size=256)', () => {
  let server: RunningServer;
  let pid: number;
  let attackers: ChildProcess;

  beforeAll(async () => {
    server = await startServer([], { NODE_OPTIONS: '--max-old-space-size=256' });
    pid = server.child.pid!;
    attackers = fork(ATTACKER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    setPriority(attackers.pid!, ATTACKER_NICENESS);
  });
  afterAll(async () => {
    attackers?.disconnect();
    await server?.stop();
  });

  const attack = (bodies: string[]) =>
    new Promise<Answer[]>((resolve, reject) => {
      const exited = (code: number | null) => reject(new Error(`the attackers exited (${code})`));
      attackers.once('exit', exited);
      attackers.once('message', (answers) => {
        attackers.off('exit', exited);
        resolve(answers as Answer[]);
      });
      attackers.send({ url: `${server.url}/graphql`, bodies, concurrency: ATTACKERS });
    });

  const post = async (body: string): Promise<Answer> => {
    const response = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    return { status: response.status, text: await response.text() };
  };

  const normalBody = JSON.stringify({ query: PIPELINE_QUERY, variables: { approach: 'HYBRID', name: 'example-pipeline' } });
  /** One normal demo query; its latency in ms, after checking it was answered in full. */
  const probe = async (): Promise<number> => {
    const started = performance.now();
    const answer = await post(normalBody);
    const ms = performance.now() - started;
    expect(answer.status).toBe(200);
    const json = JSON.parse(answer.text);
    expect(json.errors).toBeUndefined();
    expect(json.data.pipeline.stages).toHaveLength(3);
    return ms;
  };

  it('stays up, within 64 MiB of its starting RSS, under 20 ms of CPU per document, answering normal queries within 5x', async () => {
    const bodiesByKind = HOSTILE_KINDS.map((kind) => Array.from({ length: PER_KIND }, (_, i) => kind.body(i + 1)));
    // Warm up the normal path (JIT, caches, connection pool), then measure it idle.
    for (let i = 0; i < 20; i++) await probe();
    const idle: number[] = [];
    const idleCpuStart = processCpuSeconds(pid);
    for (let i = 0; i < 40; i++) idle.push(await probe());
    const cpuPerProbe = (processCpuSeconds(pid) - idleCpuStart) / idle.length;
    console.log(`a normal query costs the server ${(1000 * cpuPerProbe).toFixed(2)} ms of CPU`);
    const rssStart = processRssBytes(pid);

    // The normal client keeps asking, one query at a time, while the attack runs.
    let attacking = true;
    const underAttack: number[] = [];
    const prober = (async () => {
      while (attacking) underAttack.push(await probe());
    })();

    const attackStarted = performance.now();
    const attackCpuStart = processCpuSeconds(pid);
    const cpuPerDocumentMs: Record<string, number> = {};
    const answersByKind: Record<string, Answer[]> = {};
    let sent = 0;
    let probesBefore = 0;
    for (const [k, kind] of HOSTILE_KINDS.entries()) {
      const bodies = bodiesByKind[k]!;
      const cpuBefore = processCpuSeconds(pid);
      probesBefore = underAttack.length;
      const answers = await attack(bodies);
      // The normal client's own cost in the meantime is taken out, as measured idle.
      const probes = underAttack.length - probesBefore;
      const cpu = processCpuSeconds(pid) - cpuBefore - probes * cpuPerProbe;
      cpuPerDocumentMs[kind.name] = (1000 * cpu) / bodies.length;
      answersByKind[kind.name] = answers;
      sent += bodies.length;
    }
    const attackSeconds = (performance.now() - attackStarted) / 1000;
    const serverCpuShare = (processCpuSeconds(pid) - attackCpuStart) / attackSeconds;
    attacking = false;
    await prober;
    const rssEnd = processRssBytes(pid);

    const idleMedian = median(idle);
    const attackMedian = median(underAttack);
    const figures = {
      documents: sent,
      attackSeconds: +attackSeconds.toFixed(1),
      documentsPerSecond: Math.round(sent / attackSeconds),
      // How busy the attack kept the server: 1 is one core all the time.
      serverCpuShare: +serverCpuShare.toFixed(2),
      rssStartMiB: +(rssStart / MIB).toFixed(1),
      rssEndMiB: +(rssEnd / MIB).toFixed(1),
      cpuPerDocumentMs: Object.fromEntries(Object.entries(cpuPerDocumentMs).map(([k, v]) => [k, +v.toFixed(2)])),
      idleMedianMs: +idleMedian.toFixed(2),
      attackMedianMs: +attackMedian.toFixed(2),
      probesUnderAttack: underAttack.length,
      latencyRatio: +(attackMedian / idleMedian).toFixed(2),
    };
    console.log(`hostile documents: ${JSON.stringify(figures, null, 1)}`);

    // It is running, and answers.
    expect(server.child.exitCode).toBeNull();
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect(sent).toBeGreaterThanOrEqual(300);

    // Every hostile answer is a clean refusal (or, for the valid ones, an answer) with a code
    // and the request id on every error, and echoes nothing of what was sent.
    for (const kind of HOSTILE_KINDS) {
      for (const answer of answersByKind[kind.name]!) {
        expect(answer.status, kind.name).toBeLessThan(500);
        expect(answer.text.length, `${kind.name}: the answer is short, nothing echoed`).toBeLessThan(2_000);
        expect(answer.text).not.toContain('secret');
        // (A bad name is quoted to say what is wrong, cut at 40 characters.)
        expect(answer.text).not.toContain('x'.repeat(100));
        const json = JSON.parse(answer.text);
        for (const error of json.errors ?? []) {
          expect(kind.codes, `${kind.name}: ${error.message}`).toContain(error.extensions?.code);
          expect(error.extensions.requestId).toEqual(expect.any(String));
          expect(error.extensions).not.toHaveProperty('originalError');
        }
        if (kind.codes.length === 0) expect(json.errors, kind.name).toBeUndefined();
        else expect(json.errors?.length, kind.name).toBeGreaterThan(0);
      }
    }

    // The targets.
    expect(rssEnd - rssStart).toBeLessThan(64 * MIB);
    for (const [kind, ms] of Object.entries(cpuPerDocumentMs)) expect(ms, kind).toBeLessThan(20);
    expect(underAttack.length).toBeGreaterThanOrEqual(5);
    expect(attackMedian / idleMedian).toBeLessThan(5);

    // Every log line about a request names it.
    const lines = server.logs();
    const aboutRequests = lines.filter((l) => l.msg !== undefined && !/^(serving|shutting down|stopped)/.test(l.msg));
    expect(aboutRequests.length).toBeGreaterThan(sent);
    for (const line of aboutRequests) expect(line.requestId, JSON.stringify(line).slice(0, 300)).toEqual(expect.any(String));
  }, 180_000);
});
