import { App } from "antd";
import { useState } from "react";
import { isApiError } from "../../api/ApiError";

export interface ChangeOptions {
  /** The success toast. */
  success: string;
  /** Levels of the tree to reload after the change (null = the roots). */
  reload?: (string | null)[];
  /** Levels to reload when the server refuses (default: `reload`, on a 409 only), to show what changed. */
  reloadOnError?: (string | null)[];
}

export type RunChange = (op: () => Promise<unknown>, options: ChangeOptions) => Promise<boolean>;

/**
 * Runs one change against the server: a toast when it worked, the problem kept for the page's error banner
 * when it did not (a toast would vanish before a 400 about a cycle or a 409 about a stale version is read).
 */
export function useOrgChange(reload: (parents: (string | null)[]) => Promise<void>) {
  const { message } = App.useApp();
  const [error, setError] = useState<unknown>();

  const run: RunChange = async (op, options) => {
    setError(undefined);
    try {
      await op();
      // The toast comes once the tree shows the change, so what it says is what the user sees.
      if (options.reload) await reload(options.reload).catch(setError);
      message.success(options.success);
      return true;
    } catch (caught) {
      setError(caught);
      // A conflict means the page is stale: show what changed. A move refused for a cycle usually is too
      // (someone else moved the target meanwhile), so moves ask for a reload on any refusal.
      const again =
        options.reloadOnError ?? (isApiError(caught) && caught.statusCode === 409 ? options.reload : undefined);
      if (isApiError(caught) && again) await reload(again).catch(() => undefined);
      return false;
    }
  };

  return { run, error, clearError: () => setError(undefined) };
}
