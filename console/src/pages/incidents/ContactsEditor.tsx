import { MinusCircleOutlined, PlusOutlined } from "@ant-design/icons";
import { useTranslate } from "@refinedev/core";
import { useQueries, useQuery } from "@tanstack/react-query";
import { App, Button, Form, Select, Space, Tag, Typography } from "antd";
import { apiRequest } from "../../api/http";
import { FormDialog } from "../../components/FormDialog";
import { channelRefs } from "../notification-channels/channelApi";
import { UsersSelect } from "../notification-channels/UsersSelect";
import { type Contact, type Incident, incidentApi } from "./incidentApi";

/** The server's bound on an incident's escalation list (monitors/incident-store.ts CONTACTS_MAX). */
export const CONTACTS_MAX = 10;

/** Names for contacts: channels from the channel list, users one by one (an incident has a few). */
export function useContactNames(contacts: readonly Contact[]) {
  const channels = useQuery({ queryKey: ["data", "notification-channels", "refs"], queryFn: channelRefs });
  const userIds = [...new Set(contacts.filter((c) => c.kind === "user").map((c) => c.id))];
  const users = useQueries({
    queries: userIds.map((id) => ({
      queryKey: ["data", "users", "name", id],
      queryFn: () =>
        apiRequest<{ username: string; displayName: string }>(`/users/${id}`).then(
          (r) => r.data.displayName || r.data.username,
        ),
      staleTime: 300_000,
      retry: false,
    })),
  });
  const userName = new Map(userIds.map((id, i) => [id, users[i]?.data]));
  return (c: Contact) =>
    (c.kind === "channel" ? channels.data?.find((ch) => ch.id === c.id)?.name : userName.get(c.id)) ?? c.id.slice(0, 8);
}

/** The ordered escalation list as tags; those already escalated to are marked. */
export function ContactList({ incident }: { incident: Incident }) {
  const translate = useTranslate();
  const name = useContactNames(incident.contacts);
  if (incident.contacts.length === 0) return <Typography.Text type="secondary">—</Typography.Text>;
  return (
    <Space size={[4, 4]} wrap data-testid="incident-contacts">
      {incident.contacts.map((c, i) => (
        <Tag key={`${c.kind}:${c.id}`} color={i < incident.escalationLevel ? "magenta" : "default"}>
          {i + 1}. {translate(`incidents.contacts.${c.kind}`)} {name(c)}
          {i < incident.escalationLevel ? ` · ${translate("incidents.contacts.notified")}` : ""}
        </Tag>
      ))}
    </Space>
  );
}

interface Row {
  kind: Contact["kind"];
  userIds?: string[];
  channelId?: string;
}

/** Edit the escalation list: in order, each a user (told in the message centre) or a notification channel. */
export function ContactsDialog({
  incident,
  onClose,
  onDone,
}: {
  incident: Incident | undefined;
  onClose: () => void;
  onDone: () => Promise<unknown>;
}) {
  const translate = useTranslate();
  const t = (key: string) => translate(`incidents.contacts.${key}`);
  const { message } = App.useApp();
  const [form] = Form.useForm<{ rows: Row[] }>();
  const channels = useQuery({
    queryKey: ["data", "notification-channels", "refs"],
    queryFn: channelRefs,
    enabled: incident !== undefined,
  });
  return (
    <FormDialog<{ rows: Row[] }>
      open={incident !== undefined}
      onClose={onClose}
      form={form}
      width={640}
      title={t("title")}
      okText={t("save")}
      cancelText={translate("incidents.common.cancel")}
      initialValues={{
        rows: (incident?.contacts ?? []).map((c) =>
          c.kind === "user" ? { kind: "user", userIds: [c.id] } : { kind: "channel", channelId: c.id },
        ),
      }}
      okTestId="incident-contacts-save"
      onSubmit={async ({ rows }) => {
        if (!incident) return;
        const contacts: Contact[] = (rows ?? []).flatMap((r): Contact[] =>
          r.kind === "user"
            ? (r.userIds ?? []).slice(0, 1).map((id) => ({ kind: "user", id }))
            : r.channelId
              ? [{ kind: "channel", id: r.channelId }]
              : [],
        );
        await incidentApi.setContacts(incident, contacts);
        message.success(t("saved"));
        await onDone();
      }}
    >
      <Typography.Paragraph type="secondary">{t("hint")}</Typography.Paragraph>
      <Form.List name="rows">
        {(fields, { add, remove }) => (
          <>
            {fields.map((field, index) => (
              <Space key={field.key} align="start" style={{ display: "flex", marginBottom: 8 }}>
                <Typography.Text style={{ display: "inline-block", width: 20, paddingTop: 5 }}>
                  {index + 1}.
                </Typography.Text>
                <Form.Item name={[field.name, "kind"]} style={{ marginBottom: 0 }}>
                  <Select
                    style={{ width: 110 }}
                    data-testid="contact-kind"
                    options={(["user", "channel"] as const).map((k) => ({ value: k, label: t(k) }))}
                  />
                </Form.Item>
                <Form.Item noStyle shouldUpdate>
                  {() =>
                    form.getFieldValue(["rows", field.name, "kind"]) === "user" ? (
                      <Form.Item
                        name={[field.name, "userIds"]}
                        style={{ marginBottom: 0, width: 380 }}
                        rules={[{ required: true, type: "array", min: 1, max: 1 }]}
                      >
                        <UsersSelect testId="contact-user" />
                      </Form.Item>
                    ) : (
                      <Form.Item
                        name={[field.name, "channelId"]}
                        style={{ marginBottom: 0 }}
                        rules={[{ required: true }]}
                      >
                        <Select
                          style={{ width: 380 }}
                          data-testid="contact-channel"
                          showSearch
                          optionFilterProp="label"
                          options={(channels.data ?? []).map((c) => ({
                            value: c.id,
                            label: `${c.name} (${translate(`channels.types.${c.type}`)})`,
                          }))}
                        />
                      </Form.Item>
                    )
                  }
                </Form.Item>
                <Button type="text" icon={<MinusCircleOutlined />} onClick={() => remove(field.name)} />
              </Space>
            ))}
            <Button
              type="dashed"
              icon={<PlusOutlined />}
              disabled={fields.length >= CONTACTS_MAX}
              onClick={() => add({ kind: "user", userIds: [] })}
              data-testid="contact-add"
            >
              {t("add")}
            </Button>
          </>
        )}
      </Form.List>
    </FormDialog>
  );
}
