import { useTranslate } from "@refinedev/core";
import { Steps } from "antd";
import { useSession } from "../../session/session";

/** Where the user is in the sign-in: password → second factor → (new password); the workspace follows. */
export function SignInSteps({ current }: { current: "mfa" | "password" }) {
  const translate = useTranslate();
  const session = useSession();
  const withPassword = current === "password" || (session?.mustChangePassword ?? false);
  const items = [
    { title: translate("identity.steps.password") },
    ...(session?.mfa.required || current === "mfa" ? [{ title: translate("identity.steps.secondFactor") }] : []),
    ...(withPassword ? [{ title: translate("identity.steps.newPassword") }] : []),
  ];
  // The workspace is where the steps lead, not a step: leaving it out keeps them inside the narrow card.
  const index = current === "mfa" ? 1 : items.length - 1;
  return (
    <Steps
      size="small"
      progressDot
      current={index}
      items={items}
      responsive={false}
      style={{ marginBottom: 20 }}
      data-testid="sign-in-steps"
    />
  );
}
