// Hostile clients for test/hostile-documents.test.ts, in a process of their own: sends
// each batch of bodies it is given over `concurrency` connections at once, as fast as the
// server answers, and reports every answer.
process.on('message', async ({ url, bodies, concurrency }) => {
  const answers = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++];
        const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        answers.push({ status: response.status, text: await response.text() });
      }
    }),
  );
  process.send(answers);
});
process.on('disconnect', () => process.exit(0));
