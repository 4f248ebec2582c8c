/** One graphql-sse event off a text/event-stream response: `next` or `complete`, its data parsed. */
export interface SseEvent {
  event: string;
  data: any;
}

/**
 * Reads a text/event-stream response one event at a time, skipping heartbeat comments;
 * `next()` answers null once the server has ended the response.
 */
export function sseReader(response: Response): { next(): Promise<SseEvent | null> } {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  return {
    async next() {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data:(.*)$/m.exec(block)?.[1]?.trim();
          if (event) return { event, data: data ? JSON.parse(data) : null };
          continue; // a heartbeat comment
        }
        const { value, done } = await reader.read();
        if (done) return null;
        buffer += value;
      }
    },
  };
}
