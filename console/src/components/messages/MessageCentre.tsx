import { BellOutlined, CheckOutlined } from "@ant-design/icons";
import { useTranslate } from "@refinedev/core";
import { useQuery } from "@tanstack/react-query";
import { App, Badge, Button, Drawer, List, Space, Switch, Tag, Tooltip, Typography } from "antd";
import { useState } from "react";
import { useNavigate } from "react-router";
import { useLocale } from "../../i18n/localeStore";
import { formatBeijingTime } from "../../time";
import { ProblemAlert } from "../org/ProblemAlert";
import { type ConsoleMessage, consolePath, messagesApi } from "./messagesApi";

const PAGE_SIZE = 10;
const POLL_MS = 30_000;
const SEVERITY_COLOR = { critical: "red", warning: "orange", info: "blue" } as const;

/**
 * 消息中心: the bell in the header with the signed-in admin's unread count (polled), and a drawer listing their
 * messages — addressed to them or to their role — with mark read and all read. The server decides whose
 * messages these are; the console only asks for "mine".
 */
export function MessageCentre() {
  const translate = useTranslate();
  const t = (key: string, values?: Record<string, unknown>) => translate(`messageCentre.${key}`, values);
  const locale = useLocale();
  const navigate = useNavigate();
  const { message } = App.useApp();
  const [open, setOpen] = useState(false);
  const [page, setPage] = useState(1);
  const [unreadOnly, setUnreadOnly] = useState(false);
  const [error, setError] = useState<unknown>();
  const unread = useQuery({
    queryKey: ["messages", "unread-count"],
    queryFn: messagesApi.unreadCount,
    refetchInterval: POLL_MS,
    retry: false,
  });
  const messages = useQuery({
    queryKey: ["messages", "list", page, unreadOnly],
    queryFn: () => messagesApi.list(page, PAGE_SIZE, unreadOnly),
    enabled: open,
    placeholderData: (previous) => previous,
  });
  const refresh = async () => {
    await Promise.all([unread.refetch(), messages.refetch()]);
  };
  const act = async (call: () => Promise<unknown>, success?: string) => {
    setError(undefined);
    try {
      await call();
      if (success) message.success(success);
    } catch (caught) {
      setError(caught);
    }
    await refresh();
  };
  const text = (pair: { zh: string; en: string }) => (locale === "zh-CN" ? pair.zh || pair.en : pair.en || pair.zh);
  const follow = async (m: ConsoleMessage) => {
    const path = consolePath(m.link);
    if (!path) return;
    if (!m.read) await act(() => messagesApi.markRead(m.id));
    setOpen(false);
    void navigate(path);
  };
  const count = unread.data ?? 0;

  return (
    <>
      <Tooltip title={t("bell")}>
        <Badge count={count} size="small" overflowCount={99} data-testid="message-unread" data-count={count}>
          <Button
            type="text"
            icon={<BellOutlined />}
            aria-label={t("bell")}
            onClick={() => {
              setOpen(true);
              void refresh();
            }}
            data-testid="message-bell"
          />
        </Badge>
      </Tooltip>
      <Drawer
        open={open}
        onClose={() => setOpen(false)}
        width={480}
        title={t("title")}
        extra={
          <Space>
            <Switch
              size="small"
              checked={unreadOnly}
              onChange={(checked) => {
                setUnreadOnly(checked);
                setPage(1);
              }}
              data-testid="message-unread-only"
            />
            <Typography.Text>{t("unreadOnly")}</Typography.Text>
            <Button
              size="small"
              icon={<CheckOutlined />}
              disabled={count === 0}
              onClick={() => void act(messagesApi.markAllRead, t("allRead"))}
              data-testid="message-read-all"
            >
              {t("markAllRead")}
            </Button>
          </Space>
        }
      >
        <div data-testid="message-drawer">
          <ProblemAlert error={error ?? messages.error} onClose={() => setError(undefined)} testId="message-problem" />
          <List<ConsoleMessage>
            loading={messages.isFetching && !messages.data}
            dataSource={messages.data?.rows ?? []}
            locale={{ emptyText: t("empty") }}
            pagination={{
              current: page,
              pageSize: PAGE_SIZE,
              total: messages.data?.total ?? 0,
              size: "small",
              showSizeChanger: false,
              onChange: setPage,
              showTotal: (total) => t("total", { total }),
            }}
            renderItem={(m) => (
              <List.Item
                data-testid="message-item"
                data-read={m.read ? "true" : "false"}
                style={{ opacity: m.read ? 0.65 : 1 }}
                actions={[
                  ...(consolePath(m.link)
                    ? [
                        <Typography.Link key="open" onClick={() => void follow(m)}>
                          {t("open")}
                        </Typography.Link>,
                      ]
                    : []),
                  ...(m.read
                    ? []
                    : [
                        <Typography.Link
                          key="read"
                          onClick={() => void act(() => messagesApi.markRead(m.id))}
                          data-testid="message-mark-read"
                        >
                          {t("markRead")}
                        </Typography.Link>,
                      ]),
                ]}
              >
                <List.Item.Meta
                  title={
                    <Space size={4} wrap>
                      {!m.read && <Badge status="processing" />}
                      <Tag color={SEVERITY_COLOR[m.severity]}>{t(`severities.${m.severity}`)}</Tag>
                      <Typography.Text strong data-testid="message-title">
                        {text(m.title)}
                      </Typography.Text>
                    </Space>
                  }
                  description={
                    <>
                      <Typography.Paragraph
                        style={{ marginBottom: 4, whiteSpace: "pre-line" }}
                        ellipsis={{ rows: 3, expandable: true }}
                      >
                        {text(m.text)}
                      </Typography.Paragraph>
                      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                        {formatBeijingTime(m.createdAt)}
                      </Typography.Text>
                    </>
                  }
                />
              </List.Item>
            )}
          />
        </div>
      </Drawer>
    </>
  );
}
