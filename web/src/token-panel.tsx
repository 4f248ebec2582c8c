import { useState } from 'preact/hooks';

/** Where a token is given (with --auth token); it goes to session storage and nowhere else. */
export function TokenPanel({ token, onSave, compact }: { token: string | null; onSave: (token: string | null) => void; compact: boolean }) {
  const [value, setValue] = useState('');
  if (compact && token) {
    return (
      <div class="token-state">
        <span>Signed in with a token</span>
        <button type="button" onClick={() => onSave(null)}>
          Forget token
        </button>
      </div>
    );
  }
  return (
    <form
      class="token-form"
      onSubmit={(event) => {
        event.preventDefault();
        if (value.trim()) onSave(value.trim());
      }}
    >
      <label for="token">Bearer token</label>
      <input id="token" name="token" type="password" autoComplete="off" spellcheck={false} value={value} onInput={(e) => setValue(e.currentTarget.value)} required />
      <button type="submit">Use token</button>
      {token && (
        <button type="button" onClick={() => onSave(null)}>
          Forget the rejected token
        </button>
      )}
    </form>
  );
}
