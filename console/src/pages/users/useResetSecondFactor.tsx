import { useTranslate } from "@refinedev/core";
import { App, type MenuProps } from "antd";
import { buttonTestId } from "../../components/org/testIds";
import { useErrorText } from "../../hooks/useErrorText";
import { useSession } from "../../session/session";
import { resetSecondFactor, type User } from "./userApi";

type MenuItem = NonNullable<MenuProps["items"]>[number];

/**
 * "Reset second factor" on an account's page: for someone who lost both the authenticator or key and the
 * recovery codes. Behind a confirmation that says what happens; sent with If-Match. Not offered on one's own
 * account (the server refuses it too) nor on a deleted one; the server decides again who may (sysadmin, or a
 * scoped admin over the person's department; admin accounts only by sysadmin).
 */
export function useResetSecondFactor(onChanged: (user: User) => void): (user: User) => MenuItem[] {
  const translate = useTranslate();
  const errorText = useErrorText();
  const { modal, message } = App.useApp();
  const session = useSession();

  const run = (user: User) =>
    modal.confirm({
      title: translate("people.actions.resetSecondFactor"),
      content: translate("people.actions.resetSecondFactorConfirm", {
        name: `${user.displayName} (${user.username})`,
      }),
      okText: translate("people.actions.resetSecondFactor"),
      okButtonProps: buttonTestId("confirm-ok", { danger: true }),
      cancelText: translate("people.form.cancel"),
      onOk: async () => {
        try {
          onChanged(await resetSecondFactor(user));
          message.success(translate("people.actions.resetSecondFactorDone"));
        } catch (error) {
          message.error(`${translate("people.actions.failed")}: ${errorText(error)}`);
        }
      },
    });

  return (user) => {
    const offered =
      (session?.ability.can("update", "User") ?? false) && user.status !== "deleted" && user.id !== session?.user.id;
    if (!offered) return [];
    return [
      {
        key: "resetSecondFactor",
        label: <span data-testid="user-reset-second-factor">{translate("people.actions.resetSecondFactor")}</span>,
        onClick: () => run(user),
      },
    ];
  };
}
