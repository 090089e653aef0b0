import dayjs, { type Dayjs } from "dayjs";
import { TEMPLATE_FIELDS, type TemplateField } from "../../../../api/src/watermarks/template";
import { INVISIBLE_OPACITY } from "../../../../api/src/watermarks/tile";
import type { WatermarkContext, WatermarkInput, WatermarkPolicy, WatermarkStyle } from "./watermarkApi";

// The server's own template fields, bounds and filling (template.ts imports nothing), so the preview
// cannot drift from what clients are served.
export {
  fillTemplate,
  MAX_TEMPLATE_LENGTH,
  MAX_TEMPLATE_LINES,
  TEMPLATE_FIELDS,
  type TemplateField,
} from "../../../../api/src/watermarks/template";

const PLACEHOLDER = /\{([A-Za-z0-9]*)\}/g;

/** The unknown fields of a template ({salary}), which the server would refuse. */
export function unknownFields(template: string): string[] {
  const unknown: string[] = [];
  for (const [, field] of template.matchAll(PLACEHOLDER)) {
    if (!(TEMPLATE_FIELDS as readonly string[]).includes(field ?? "") && !unknown.includes(field ?? "")) {
      unknown.push(field ?? "");
    }
  }
  return unknown;
}

/** Sample values for the live preview: a made-up viewer, now in Beijing time. */
export function sampleValues(now: Dayjs, sample: { name: string; department: string }, customText: string) {
  const beijing = now.tz("Asia/Shanghai");
  return {
    name: sample.name,
    employeeNo: "E0001",
    phoneLast4: "8000",
    department: sample.department,
    date: beijing.format("YYYY-MM-DD"),
    time: beijing.format("HH:mm"),
    ip: "10.0.0.8",
    text: customText,
  } satisfies Record<TemplateField, string>;
}

/** antd <Watermark> props for a style: the opacity goes into the colour; invisible is drawn as the server draws it. */
export function previewProps(style: WatermarkStyle) {
  const opacity = style.visible ? style.opacity : INVISIBLE_OPACITY;
  return {
    font: { color: hexToRgba(style.color, opacity), fontSize: style.fontSize },
    rotate: style.rotate,
    gap: [style.gapX, style.gapY] as [number, number],
  };
}

export function hexToRgba(hex: string, alpha: number): string {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) return `rgba(0, 0, 0, ${alpha})`;
  const [r, g, b] = [m[1], m[2], m[3]].map((h) => Number.parseInt(h ?? "0", 16));
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}

/** What the editor form holds: the scope's lists flat, the period as two pickers' values. */
export interface PolicyFormValues extends Omit<WatermarkInput, "scope" | "validFrom" | "validTo"> {
  departments: string[];
  apps: string[];
  contexts: WatermarkContext[];
  validFrom: Dayjs | null;
  validTo: Dayjs | null;
}

export const DEFAULT_STYLE: WatermarkStyle = {
  fontSize: 16,
  color: "#000000",
  opacity: 0.15,
  rotate: -22,
  gapX: 100,
  gapY: 80,
  visible: true,
};

export function toFormValues(policy: WatermarkPolicy | undefined): PolicyFormValues {
  if (!policy) {
    return {
      name: "",
      description: "",
      enabled: true,
      priority: 0,
      departments: [],
      apps: [],
      contexts: [],
      validFrom: null,
      validTo: null,
      template: "{name} {phoneLast4}\n{department} {date}",
      customText: "",
      style: { ...DEFAULT_STYLE },
    };
  }
  return {
    name: policy.name,
    description: policy.description,
    enabled: policy.enabled,
    priority: policy.priority,
    departments: policy.scope.departments,
    apps: policy.scope.apps,
    contexts: policy.scope.contexts,
    validFrom: policy.validFrom ? dayjs(policy.validFrom) : null,
    validTo: policy.validTo ? dayjs(policy.validTo) : null,
    template: policy.template,
    customText: policy.customText,
    style: { ...policy.style },
  };
}

export function fromFormValues(values: PolicyFormValues): WatermarkInput {
  return {
    name: values.name.trim(),
    description: values.description ?? "",
    enabled: values.enabled,
    priority: values.priority,
    scope: { departments: values.departments ?? [], apps: values.apps ?? [], contexts: values.contexts ?? [] },
    validFrom: values.validFrom ? values.validFrom.toISOString() : null,
    validTo: values.validTo ? values.validTo.toISOString() : null,
    template: values.template,
    customText: values.customText ?? "",
    style: values.style,
  };
}

/** The period a policy applies in, relative to now, for the list's status tag. */
export function periodState(
  policy: Pick<WatermarkPolicy, "enabled" | "validFrom" | "validTo">,
  now: Date,
): "disabled" | "not-yet-valid" | "expired" | "active" {
  if (!policy.enabled) return "disabled";
  if (policy.validFrom && now < new Date(policy.validFrom)) return "not-yet-valid";
  if (policy.validTo && now >= new Date(policy.validTo)) return "expired";
  return "active";
}

interface RankedCandidate {
  name: string;
  priority: number;
  dimensions: number;
  depth: number;
  updatedAt: string;
}

/**
 * Why a matching policy ranks below the one before it, as an i18n key and its values. The server's own
 * reason (api/src/watermarks/explain.ts) is English only; this applies the same tie-break order to the
 * numbers the tester returns, so the reason can be shown in the UI language.
 */
export function rankReason(
  above: RankedCandidate | undefined,
  row: RankedCandidate,
): { key: string; values: Record<string, unknown> } {
  if (!above) return { key: "chosen", values: {} };
  const values = { above: above.name };
  if (above.priority !== row.priority)
    return { key: "lowerPriority", values: { ...values, mine: row.priority, theirs: above.priority } };
  if (above.dimensions !== row.dimensions)
    return { key: "fewerDimensions", values: { ...values, mine: row.dimensions, theirs: above.dimensions } };
  if (above.depth !== row.depth)
    return { key: "shallower", values: { ...values, mine: row.depth, theirs: above.depth } };
  if (new Date(above.updatedAt).getTime() !== new Date(row.updatedAt).getTime()) return { key: "older", values };
  return { key: "largerId", values };
}
