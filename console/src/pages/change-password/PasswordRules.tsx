import { useTranslate } from "@refinedev/core";
import { Typography } from "antd";
import type { PasswordPolicy } from "../../session/session";

/**
 * The password rules in force. The server sends the tenant's policy with the sign-in state when it has one;
 * without it the generic 等保 wording is shown. Either way the server checks, and its field errors are shown.
 */
export function PasswordRules({ policy }: { policy: PasswordPolicy | null }) {
  const translate = useTranslate();
  if (!policy) return <span data-testid="password-rules">{translate("password.rules")}</span>;
  const rules = [
    translate("identity.password.minLength", { count: policy.minLength }),
    translate("identity.password.classes", { count: policy.minClasses }),
    translate("identity.password.noUsername"),
    ...(policy.historyCount > 0 ? [translate("identity.password.history", { count: policy.historyCount })] : []),
    ...(policy.maxAgeDays > 0 ? [translate("identity.password.maxAge", { count: policy.maxAgeDays })] : []),
  ];
  return (
    <div data-testid="password-rules">
      <Typography.Text type="secondary">{translate("identity.password.policyTitle")}</Typography.Text>
      <ul style={{ margin: "2px 0 0", paddingInlineStart: 18 }}>
        {rules.map((rule) => (
          <li key={rule}>{rule}</li>
        ))}
      </ul>
    </div>
  );
}
