import { useTranslate } from "@refinedev/core";
import { App, type MenuProps } from "antd";
import { type ReactNode, useState } from "react";
import { useErrorText } from "../../hooks/useErrorText";
import { useSession } from "../../session/session";
import { OneTimePasswordModal } from "./OneTimePasswordModal";
import { deleteUser, type LifecycleVerb, lifecycle, resetPassword, type User } from "./userApi";

type Verb = LifecycleVerb | "resetPassword" | "delete";

const CONFIRM_KEY: Record<Verb, string> = {
  disable: "disableConfirm",
  enable: "enableConfirm",
  unlock: "unlockConfirm",
  resetPassword: "resetConfirm",
  delete: "deleteConfirm",
};

/**
 * The lifecycle actions on an account (disable, enable, unlock, reset password, delete), each behind a
 * confirmation that says what it does, each sent with If-Match. Offered only when the abilities allow it;
 * the server decides again (e.g. a scoped admin outside its subtree, or the last admin of a role).
 */
export function useUserActions(handlers: { onChanged: (user: User) => void; onDeleted: (user: User) => void }): {
  items: (user: User) => NonNullable<MenuProps["items"]>;
  run: (user: User, verb: Verb) => void;
  modals: ReactNode;
} {
  const translate = useTranslate();
  const errorText = useErrorText();
  const { modal, message } = App.useApp();
  const session = useSession();
  const [oneTime, setOneTime] = useState<{ username: string; password: string; reason: "reset" } | null>(null);
  const can = (action: "update" | "delete") => session?.ability.can(action, "User") ?? false;

  const perform = async (user: User, verb: Verb) => {
    if (verb === "resetPassword") {
      setOneTime({ username: user.username, password: await resetPassword(user), reason: "reset" });
      handlers.onChanged(user);
    } else if (verb === "delete") {
      await deleteUser(user);
      handlers.onDeleted(user);
    } else {
      handlers.onChanged(await lifecycle(user, verb));
    }
    if (verb !== "resetPassword") message.success(translate("people.actions.done"));
  };

  const run = (user: User, verb: Verb) => {
    modal.confirm({
      title: translate(`people.actions.${verb}`),
      content: translate(`people.actions.${CONFIRM_KEY[verb]}`, { name: `${user.displayName} (${user.username})` }),
      okButtonProps: { danger: verb === "delete" || verb === "disable" || verb === "resetPassword" },
      okText: translate(`people.actions.${verb}`),
      cancelText: translate("people.form.cancel"),
      onOk: () =>
        perform(user, verb).catch((error: unknown) => {
          message.error(`${translate("people.actions.failed")}: ${errorText(error)}`);
        }),
    });
  };

  const items = (user: User): NonNullable<MenuProps["items"]> => {
    if (user.status === "deleted") return [];
    const entries: { verb: Verb; show: boolean; danger?: boolean }[] = [
      { verb: "disable", show: can("update") && user.status === "active" },
      { verb: "enable", show: can("update") && user.status === "disabled" },
      { verb: "unlock", show: can("update") && user.locked },
      { verb: "resetPassword", show: can("update") },
      { verb: "delete", show: can("delete"), danger: true },
    ];
    return entries
      .filter((e) => e.show)
      .map((e) => ({
        key: e.verb,
        danger: e.danger,
        label: <span data-testid={`user-action-${e.verb}`}>{translate(`people.actions.${e.verb}`)}</span>,
        onClick: () => run(user, e.verb),
      }));
  };

  return { items, run, modals: <OneTimePasswordModal value={oneTime} onClose={() => setOneTime(null)} /> };
}
