import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/cluster/kube-object.js';
import type { ClusterSource } from '../../src/cluster/reader.js';
import { PipelineApiError } from '../../src/errors.js';
import { demoSource } from '../support/demo-app.js';
import { axeViolations, launch, openPage, screenshot, startServer, type TestServer } from './browser.js';

const DEMO = [
  { approach: 'HYBRID', name: 'example-pipeline', path: '/pipelines/hybrid/flux-system/example-pipeline' },
  { approach: 'CRD', name: 'example-pipeline-crd', path: '/pipelines/crd/flux-system/example-pipeline-crd' },
  { approach: 'STAGE', name: 'example-pipeline-stage', path: '/pipelines/stage/flux-system/example-pipeline-stage' },
  { approach: 'CM', name: 'example-pipeline', path: '/pipelines/cm/flux-system/example-pipeline' },
] as const;

// The demo's podinfo chart per stage (demo/snapshot/helmreleases.yaml).
const CHART_BY_STAGE: Record<string, string> = { dev: '6.1.8', staging: '6.1.7', prod: '6.1.6' };

interface ApiStage {
  name: string;
  releases: { kind: string; name: string; version: string | null }[];
}

async function stagesFromApi(url: string, approach: string, name: string): Promise<ApiStage[]> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: 'query($a: Approach!, $n: String!) { pipeline(approach: $a, name: $n) { stages { name releases { kind name version } } } }',
      variables: { a: approach, n: name },
    }),
  });
  const body = (await response.json()) as { data: { pipeline: { stages: ApiStage[] } }; errors?: unknown };
  expect(body.errors).toBeUndefined();
  return body.data.pipeline.stages;
}

/** What the page draws: per stage column, in order, each card's kind, name and full version. */
async function drawnStages(page: Page) {
  return page.locator('.stage').evaluateAll((stages) =>
    stages.map((stage) => ({
      name: stage.getAttribute('data-stage'),
      heading: stage.querySelector('h2')?.textContent,
      releases: [...stage.querySelectorAll('article.card')].map((card) => ({
        release: card.getAttribute('data-release'),
        version: card.querySelector('.version')?.getAttribute('title') ?? null,
        shown: card.querySelector('.version')?.textContent ?? null,
        status: card.querySelector('.pill')?.textContent?.replace(/\s+/g, ' '),
      })),
    })),
  );
}

describe('the pipeline page on the demo', () => {
  let browser: Browser;
  let server: TestServer;
  beforeAll(async () => {
    [browser, server] = await Promise.all([launch(), demoSource().then((s) => startServer(s))]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('lists every demo pipeline, filters by text and approach, and keeps the filter in the address', async () => {
    const { page, context, problems, blocked } = await openPage(browser, server.url);
    try {
      await page.goto(`${server.url}/`);
      const rows = page.locator('table.pipelines tbody tr');
      await expect.poll(() => rows.count()).toBe(4);
      const listed = await rows.evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => (c as HTMLElement).innerText.replace(/\s+/g, ' ').trim())));
      for (const d of DEMO) expect(listed).toContainEqual([d.name, 'flux-system', d.approach, '✓ Healthy', '3']);

      await page.getByLabel('Name or namespace').fill('stage');
      await expect.poll(() => rows.count()).toBe(1);
      expect(await rows.first().getAttribute('data-pipeline')).toBe('STAGE/flux-system/example-pipeline-stage');
      await page.getByLabel('Name or namespace').fill('');
      await page.getByLabel('Approach').selectOption('CM');
      await expect.poll(() => rows.count()).toBe(1);
      expect(page.url()).toBe(`${server.url}/?approach=CM`);
      await page.reload();
      await expect.poll(() => rows.count()).toBe(1);
      expect(await rows.first().getAttribute('data-pipeline')).toBe('CM/flux-system/example-pipeline');
      expect(problems).toEqual([]);
      expect(blocked).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('draws every demo pipeline of every approach: stages in order, the right version on every card', async () => {
    const { page, context, problems, blocked } = await openPage(browser, server.url);
    try {
      for (const d of DEMO) {
        const expected = await stagesFromApi(server.url, d.approach, d.name);
        await page.goto(server.url + d.path);
        await page.locator('li.stage-slot .stage').first().waitFor();
        const drawn = await drawnStages(page);
        expect(drawn.map((s) => s.name), d.path).toEqual(['dev', 'staging', 'prod']);
        expect(drawn.map((s) => s.heading)).toEqual(['1. dev', '2. staging', '3. prod']);
        for (const [i, stage] of expected.entries()) {
          const cards = drawn[i]!.releases;
          expect(cards.map((c) => c.release).sort(), `${d.path} ${stage.name}`).toEqual(stage.releases.map((r) => `${r.kind}/${r.name}`).sort());
          for (const r of stage.releases) {
            const card = cards.find((c) => c.release === `${r.kind}/${r.name}`)!;
            expect(card.version).toBe(r.version);
            // Long revisions are shortened on screen; what is shown is the start of the real one.
            expect(r.version!.startsWith(card.shown!.replace(/…$/, ''))).toBe(true);
            expect(card.status).toBe('✓Healthy');
          }
          const helm = cards.find((c) => c.release?.startsWith('HelmRelease/'));
          expect(helm?.version, `${d.path} ${stage.name}`).toBe(CHART_BY_STAGE[stage.name]);
        }
        // Workloads with their replicas and image tags.
        const prodImages = await page.locator('div.stage[data-stage="prod"] .images code').allInnerTexts();
        expect(prodImages.length).toBeGreaterThan(0);
        expect(prodImages.every((t) => t === 'podinfo:6.1.6')).toBe(true);
        expect(await page.locator('.stage[data-stage="dev"] .replicas').first().innerText()).toBe('1/1 ready');
        // Between the columns: what each stage runs at a lower version than the one before it.
        expect(await page.locator('[data-behind="dev"]').count()).toBe(0);
        const stagingBehind = await page.locator('[data-behind="staging"]').innerText();
        expect(stagingBehind).toContain('Behind dev');
        expect(stagingBehind).toMatch(/chart podinfo\s+6\.1\.7 \(dev: 6\.1\.8\)/);
        expect(await page.locator('[data-behind="prod"]').innerText()).toMatch(/chart podinfo\s+6\.1\.6 \(staging: 6\.1\.7\)/);
        // The diagnostics panel: the demo's intruder HelmRelease, labelled but outside every stage (HYBRID, CM).
        const diagnostics = await page.locator('section.diagnostics').innerText();
        if (d.approach === 'HYBRID' || d.approach === 'CM') expect(diagnostics).toContain('RELEASE_OUTSIDE_STAGES');
        else expect(diagnostics).toContain('No findings');
      }
      expect(problems).toEqual([]);
      expect(blocked).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('is usable by keyboard: from the filter to a pipeline, opened with Enter', async () => {
    const { page, context, problems } = await openPage(browser, server.url);
    try {
      await page.goto(`${server.url}/?q=crd`);
      await page.locator('table.pipelines tbody tr').first().waitFor();
      await page.getByLabel('Name or namespace').focus();
      // Filter field, approach select, then the one pipeline link.
      await page.keyboard.press('Tab');
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('example-pipeline-crd');
      await page.keyboard.press('Enter');
      await page.waitForURL(`${server.url}/pipelines/crd/flux-system/example-pipeline-crd`);
      await page.locator('li.stage-slot .stage').first().waitFor();
      await page.goBack();
      await page.locator('table.pipelines').waitFor();
      expect(page.url()).toBe(`${server.url}/?q=crd`);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('passes axe-core with no serious or critical violation, at 1,400 and 375 px (screenshots of both)', async () => {
    for (const viewport of [
      { width: 1400, height: 900 },
      { width: 375, height: 800 },
    ]) {
      const { page, context, problems } = await openPage(browser, server.url, viewport);
      try {
        for (const [name, path] of [
          ['list', '/'],
          ['pipeline', DEMO[0].path],
        ] as const) {
          await page.goto(server.url + path);
          await page.locator(name === 'list' ? 'table.pipelines tbody tr' : 'li.stage-slot .stage').first().waitFor();
          await screenshot(page, `${name}-${viewport.width}`);
          const violations = await axeViolations(page);
          expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical'), `${name} at ${viewport.width}px`).toEqual([]);
          // Nothing wider than the window at 375 px: the columns stack.
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
          expect(overflow, `${name} at ${viewport.width}px scrolls sideways`).toBeLessThanOrEqual(0);
        }
        expect(problems).toEqual([]);
      } finally {
        await context.close();
      }
    }
  });

  it('sends a strict Content-Security-Policy, and the browser enforces it', async () => {
    const { page, context } = await openPage(browser, server.url);
    try {
      const response = await page.goto(`${server.url}/`);
      const csp = response!.headers()['content-security-policy'];
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("default-src 'none'");
      await page.locator('table.pipelines tbody tr').first().waitFor();
      const outcome = await page.evaluate(async () => {
        const violations: string[] = [];
        document.addEventListener('securitypolicyviolation', (e) => violations.push(e.effectiveDirective));
        const script = document.createElement('script');
        script.textContent = 'window.inlineRan = true';
        document.body.append(script);
        const style = document.createElement('style');
        style.textContent = 'body { background: red }';
        document.head.append(style);
        // Another origin (127.0.0.2 is loopback, but not this page's origin).
        const fetched = await fetch('http://127.0.0.2:9/x').then(() => 'fetched', () => 'refused');
        await new Promise((r) => setTimeout(r, 200));
        return { inlineRan: (window as unknown as { inlineRan?: boolean }).inlineRan === true, fetched, violations, background: getComputedStyle(document.body).backgroundColor };
      });
      expect(outcome.inlineRan).toBe(false);
      expect(outcome.fetched).toBe('refused');
      expect(outcome.background).not.toBe('rgb(255, 0, 0)');
      expect(outcome.violations).toEqual(expect.arrayContaining(['script-src-elem', 'style-src-elem', 'connect-src']));
    } finally {
      await context.close();
    }
  });
});

const BROKEN: KubeObject = {
  apiVersion: 'wego.weave.works/v1alpha2',
  kind: 'Pipeline',
  metadata: { name: 'broken-refs', namespace: 'flux-system' },
  spec: {
    stages: [
      { name: 'dev', namespace: 'dev', order: 1, releaseRefs: [{ kind: 'Kustomization', name: 'dev' }, { kind: 'Kustomization', name: 'gone' }] },
      { name: 'staging', namespace: 'staging', order: 2, releaseRefs: [{ kind: 'HelmRelease', name: 'podinfo-pipeline-helm' }] },
      { name: 'prod', namespace: 'prod', order: 3, releaseRefs: [{ kind: 'Kustomization', name: 'prod' }] },
    ],
  },
} as KubeObject;

/** The demo, plus a pipeline with a dangling ref, and Flux objects in prod not readable: faked at the reader. */
function withFaults(demo: ClusterSource): ClusterSource {
  return {
    ...demo,
    readerFor(scope) {
      const reader = demo.readerFor(scope);
      return {
        ...reader,
        async list(kind, namespace, options) {
          if ((kind === 'Kustomization' || kind === 'HelmRelease') && namespace === 'prod') {
            throw new PipelineApiError('FORBIDDEN', `Not allowed to list ${kind} in namespace "prod".`, { kind, namespace });
          }
          const items = await reader.list(kind, namespace, options);
          return kind === 'Pipeline' && (namespace === null || namespace === 'flux-system') ? [...items, BROKEN] : items;
        },
      };
    },
  };
}

describe('the pipeline page when parts cannot be read', () => {
  let browser: Browser;
  let server: TestServer;
  beforeAll(async () => {
    [browser, server] = await Promise.all([launch(), demoSource().then((s) => startServer(withFaults(s)))]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows a forbidden stage and a dangling ref in place, and draws everything else', async () => {
    const { page, context, problems } = await openPage(browser, server.url);
    try {
      await page.goto(`${server.url}/pipelines/crd/flux-system/broken-refs`);
      await page.locator('li.stage-slot .stage').first().waitFor();
      const dev = page.locator('div.stage[data-stage="dev"]');
      expect(await dev.locator('article.card').count()).toBe(1);
      expect(await dev.locator('article.card .version').getAttribute('title')).toMatch(/^main@sha1:/);
      const missing = dev.locator('.card-error');
      expect(await missing.getAttribute('data-release-error')).toBe('RELEASE_NOT_FOUND');
      expect(await missing.innerText()).toContain('gone');

      const staging = page.locator('div.stage[data-stage="staging"]');
      expect(await staging.locator('article.card .version').innerText()).toBe('6.1.7');

      // A CRD stage resolves each ref on its own: the forbidden one is an error card in its place.
      const prod = page.locator('div.stage[data-stage="prod"]');
      expect(await prod.locator('article.card').count()).toBe(0);
      expect(await prod.locator('.card-error').getAttribute('data-release-error')).toBe('FORBIDDEN');
      expect(await prod.locator('.card-error').innerText()).toContain('Not allowed to list Kustomization in namespace "prod"');
      expect(await page.locator('section.diagnostics [data-code="RELEASE_NOT_FOUND"]').count()).toBe(1);
      // Each error once, where it happened: no list of them above the stages.
      expect(await page.locator('.pipeline > .error-note').count()).toBe(0);
      await screenshot(page, 'errors-1400');
      // Errors are content here, not failures of the page.
      expect(problems).toEqual([]);

      // A HYBRID stage lists its namespace: the whole stage is forbidden, the others are drawn.
      await page.goto(`${server.url}/pipelines/hybrid/flux-system/example-pipeline`);
      await page.locator('li.stage-slot .stage').first().waitFor();
      expect(await page.locator('div.stage[data-stage="dev"] article.card').count()).toBe(2);
      expect(await page.locator('div.stage[data-stage="staging"] article.card').count()).toBe(2);
      const stageNote = await page.locator('div.stage[data-stage="prod"] .error-note').innerText();
      expect(stageNote).toContain('This stage could not be read');
      expect(stageNote).toContain('FORBIDDEN');
      expect(await page.locator('div.stage[data-stage="prod"] .pill').innerText()).toContain('Unknown');
      // prod cannot be compared with staging; the error says so between the two columns.
      expect(await page.locator('[data-behind="prod"]').innerText()).toContain('Cannot compare');
      expect(await page.locator('[data-behind="staging"]').innerText()).toMatch(/chart podinfo\s+6\.1\.7 \(dev: 6\.1\.8\)/);
      expect(await page.locator('section.diagnostics').innerText()).toContain('STAGE_UNREADABLE');
      await screenshot(page, 'forbidden-stage-1400');
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
