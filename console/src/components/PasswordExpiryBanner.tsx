import { useTranslate } from "@refinedev/core";
import { Alert, Button } from "antd";
import { useNavigate } from "react-router";
import { useSession } from "../session/session";
import { formatBeijingTime } from "../time";

/** The server says the password expires soon (passwordExpiryWarning): remind on every workspace page. */
export function PasswordExpiryBanner() {
  const translate = useTranslate();
  const navigate = useNavigate();
  const session = useSession();
  if (!session?.passwordExpiryWarning) return null;
  return (
    <Alert
      type="warning"
      showIcon
      banner
      style={{ marginBottom: 16 }}
      data-testid="password-expiry"
      message={translate("identity.password.expiryTitle")}
      description={translate("identity.password.expiryText", {
        date: formatBeijingTime(session.passwordExpiresAt).slice(0, 16),
      })}
      action={
        <Button size="small" type="primary" onClick={() => navigate("/account/security")}>
          {translate("identity.password.expiryAction")}
        </Button>
      }
    />
  );
}
