import { App } from "antd";
import type { ReactNode } from "react";
import { buttonTestId } from "./org/testIds";

export interface ConfirmedAction {
  title: ReactNode;
  content?: ReactNode;
  /** A destructive action (delete, revoke): the OK button is red. */
  danger?: boolean;
  /** The request; it throws an ApiError when the server refuses. */
  run: () => Promise<unknown>;
  /** The toast on success. */
  success: string;
}

/**
 * A confirmation dialog whose OK runs a request: success shows a toast, a refusal goes to the page's
 * ProblemAlert (`setError`), and the list is refreshed either way, since a refusal (409: stale) often
 * means the row changed meanwhile.
 */
export function useConfirmedAction(setError: (error: unknown) => void, refresh: () => unknown) {
  const { message, modal } = App.useApp();
  return ({ title, content, danger, run, success }: ConfirmedAction) =>
    modal.confirm({
      title,
      content,
      ...(danger ? { okType: "danger" as const } : {}),
      okButtonProps: buttonTestId("confirm-ok"),
      onOk: async () => {
        setError(undefined);
        try {
          await run();
          message.success(success);
        } catch (caught) {
          setError(caught);
        }
        void refresh();
      },
    });
}
