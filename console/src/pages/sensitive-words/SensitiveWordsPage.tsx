import { useTranslate } from "@refinedev/core";
import { Alert, Col, Row, Tabs } from "antd";
import { useState } from "react";
import { PageContainer } from "../../components/PageContainer";
import type { ConsoleResource } from "../../resources";
import { AllowListPanel } from "./AllowListPanel";
import { CheckPanel } from "./CheckPanel";
import { DictionaryPanel } from "./DictionaryPanel";
import { PublicationsPanel } from "./PublicationsPanel";
import { PublishControl } from "./PublishControl";
import { StatsPanel } from "./StatsPanel";
import { WordTable } from "./WordTable";

/**
 * 敏感词 (secadmin): dictionaries and their words, the allow-list, a test box against the published
 * dictionary, hit statistics and the publications. Every edit changes the draft; checks use the active
 * publication until secadmin publishes (docs/words.md, "Publishing and rollback").
 */
export function SensitiveWordsPage({ resource }: { resource: ConsoleResource }) {
  const translate = useTranslate();
  const t = (key: string) => translate(`words.${key}`);
  const [dictionaryId, setDictionaryId] = useState<string>();
  const [tab, setTab] = useState("words");

  return (
    <PageContainer resource={resource} extra={<PublishControl onShowPublications={() => setTab("publications")} />}>
      <Alert type="info" showIcon style={{ marginBottom: 16 }} message={t("draftHint")} />
      <Tabs
        activeKey={tab}
        onChange={setTab}
        destroyOnHidden={false}
        items={[
          {
            key: "words",
            label: <span data-testid="words-tab-words">{t("tabs.words")}</span>,
            children: (
              <Row gutter={[16, 16]}>
                <Col xs={24} xl={9}>
                  <DictionaryPanel selectedId={dictionaryId} onSelect={setDictionaryId} />
                </Col>
                <Col xs={24} xl={15}>
                  <WordTable dictionaryId={dictionaryId} />
                </Col>
              </Row>
            ),
          },
          {
            key: "allow",
            label: <span data-testid="words-tab-allow">{t("tabs.allow")}</span>,
            children: <AllowListPanel />,
          },
          {
            key: "check",
            label: <span data-testid="words-tab-check">{t("tabs.check")}</span>,
            children: <CheckPanel />,
          },
          {
            key: "stats",
            label: <span data-testid="words-tab-stats">{t("tabs.stats")}</span>,
            children: <StatsPanel />,
          },
          {
            key: "publications",
            label: <span data-testid="words-tab-publications">{t("tabs.publications")}</span>,
            children: <PublicationsPanel />,
          },
        ]}
      />
    </PageContainer>
  );
}
