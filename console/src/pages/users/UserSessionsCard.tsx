import { useTranslate } from "@refinedev/core";
import { useMutation, useQuery } from "@tanstack/react-query";
import { Alert, App, Card } from "antd";
import { useErrorText } from "../../hooks/useErrorText";
import { SessionTable } from "../sessions/SessionTable";
import { listUserSessions, revokeSession, type SessionRow } from "../sessions/sessionTypes";

/** A user's sign-in sessions (sysadmin: read Session) with revoke (delete Session). */
export function UserSessionsCard({ userId, canRevoke }: { userId: string; canRevoke: boolean }) {
  const translate = useTranslate();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const sessions = useQuery({ queryKey: ["data", "user-sessions", userId], queryFn: () => listUserSessions(userId) });
  const revoke = useMutation({
    mutationFn: (row: SessionRow) => revokeSession(row.id),
    onSuccess: () => {
      message.success(translate("identity.sessions.revoked"));
      void sessions.refetch();
    },
    onError: (error) => message.error(errorText(error)),
  });
  return (
    <Card title={translate("people.detail.sessionsTitle")} data-testid="user-sessions">
      {sessions.error && (
        <Alert
          type="error"
          showIcon
          style={{ marginBottom: 12 }}
          message={translate("identity.sessions.loadFailed")}
          description={errorText(sessions.error)}
        />
      )}
      <SessionTable
        sessions={sessions.data?.map((s) => ({ ...s, current: false }))}
        loading={sessions.isLoading}
        revoking={revoke.isPending ? revoke.variables?.id : undefined}
        onRevoke={(row) => revoke.mutate(row)}
        canRevoke={canRevoke}
        emptyText={translate("identity.sessions.none")}
      />
    </Card>
  );
}
