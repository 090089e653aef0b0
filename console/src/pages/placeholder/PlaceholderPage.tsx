import { useTranslate } from "@refinedev/core";
import { Card, Result, Tag, theme } from "antd";
import { PageContainer } from "../../components/PageContainer";
import type { ConsoleResource } from "../../resources";

/** An area that is planned but not built yet: says what it will hold, shows no made-up data. */
export function PlaceholderPage({ resource }: { resource: ConsoleResource }) {
  const translate = useTranslate();
  const { token } = theme.useToken();
  return (
    <PageContainer resource={resource} showDescription={false}>
      <Card>
        <Result
          data-testid="placeholder"
          icon={<span style={{ fontSize: 56, color: token.colorPrimary }}>{resource.icon}</span>}
          title={translate("placeholder.later")}
          subTitle={
            <>
              <Tag color="processing">{translate("placeholder.planned")}</Tag>
              {translate(`resources.${resource.name}.description`)}
            </>
          }
        />
      </Card>
    </PageContainer>
  );
}
