import { useQuery } from "@tanstack/react-query";
import { Select, Spin } from "antd";
import { useRef, useState } from "react";
import { apiRequest } from "../../api/http";
import { type Department, getDepartment } from "../../components/org/orgApi";

/** Departments of every dimension whose name or pinyin matches (the list endpoint without a dimension). */
const searchAll = (q: string) =>
  apiRequest<Department[]>("/departments", { query: new URLSearchParams({ q, _start: "0", _end: "50" }) }).then(
    (r) => r.data,
  );

/**
 * Several departments, searched by name or pinyin across every dimension; each stands for its subtree in a
 * policy's scope. The names of departments already chosen are read once so the tags show names, not ids.
 */
export function DepartmentSelect({
  value,
  onChange,
  placeholder,
}: {
  value?: string[];
  onChange?: (value: string[]) => void;
  placeholder?: string;
}) {
  const [found, setFound] = useState<Department[]>([]);
  const [loading, setLoading] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const ids = value ?? [];
  const chosen = useQuery({
    queryKey: ["data", "watermarks", "departments", [...ids].sort()],
    queryFn: () => Promise.all(ids.map((id) => getDepartment(id).catch(() => undefined))),
    enabled: ids.length > 0,
    staleTime: 60_000,
  });
  const known = new Map<string, Department>();
  for (const d of chosen.data ?? []) if (d) known.set(d.id, d);
  for (const d of found) known.set(d.id, d);

  const search = (q: string) => {
    clearTimeout(timer.current);
    if (!q.trim()) return;
    timer.current = setTimeout(() => {
      setLoading(true);
      searchAll(q.trim().slice(0, 100))
        .then(setFound)
        .catch(() => setFound([]))
        .finally(() => setLoading(false));
    }, 250);
  };

  return (
    <Select<string[]>
      mode="multiple"
      showSearch
      filterOption={false}
      value={ids}
      onChange={onChange}
      onSearch={search}
      placeholder={placeholder}
      notFoundContent={loading ? <Spin size="small" /> : undefined}
      options={[...known.values()].map((d) => ({ value: d.id, label: d.name }))}
      data-testid="watermark-departments"
    />
  );
}
