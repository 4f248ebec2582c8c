import type { Connection } from './live';
import type { PipelineViewFragment } from './gql/graphql';

function when(iso: string | Date): string {
  const date = typeof iso === 'string' ? new Date(iso) : iso;
  if (Number.isNaN(date.getTime())) return String(iso);
  const sameDay = date.toDateString() === new Date().toDateString();
  return sameDay ? date.toLocaleTimeString() : date.toLocaleString();
}

/**
 * "Live" while the stream is open and the server says its data is current; otherwise since when
 * it is not: the server's own lastSyncAt when its store is stale, or when the stream broke.
 */
export function LiveState({ connection, freshness }: { connection: Connection; freshness: PipelineViewFragment['freshness'] }) {
  let text: string;
  let kind: 'live' | 'stale' | 'off';
  if (connection.state === 'live' && !freshness.stale) {
    text = 'Live';
    kind = 'live';
  } else if (connection.state === 'live') {
    text = freshness.lastSyncAt ? `Stale since ${when(freshness.lastSyncAt)}` : 'Stale';
    kind = 'stale';
  } else if (connection.state === 'connecting') {
    text = 'Connecting…';
    kind = 'off';
  } else if (connection.state === 'reconnecting') {
    text = `Stale since ${when(connection.since)} (reconnecting)`;
    kind = 'stale';
  } else if (connection.state === 'ended') {
    text = `Not live since ${when(connection.since)}`;
    kind = 'off';
  } else {
    text = `Not live since ${when(connection.since)}: ${connection.message}`;
    kind = 'off';
  }
  const detail = freshness.stale && freshness.staleKinds.length ? `Not kept current: ${freshness.staleKinds.join(', ')}` : undefined;
  return (
    <p class={`live-state live-${kind}`} role="status" title={detail}>
      {text}
    </p>
  );
}
