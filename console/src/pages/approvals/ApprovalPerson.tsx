import { useTranslate } from "@refinedev/core";
import { Typography } from "antd";

/**
 * Who proposed or decided: the display name first (what colleagues know them by), then the username and
 * role — the username is what the audit log records, the role is what the two-person rule compares.
 */
export function ApprovalPerson({
  displayName,
  username,
  role,
  testId,
}: {
  displayName: string;
  username: string;
  role: string;
  testId: string;
}) {
  const translate = useTranslate();
  return (
    <span data-testid={testId} data-username={username}>
      {displayName}{" "}
      <Typography.Text type="secondary">
        {/* "user": an ordinary account proposing as a scoped admin (delegation). */}
        {username} · {role === "user" ? translate("authz.approvals.scopedAdminRole") : translate(`roles.${role}`, role)}
      </Typography.Text>
    </span>
  );
}
