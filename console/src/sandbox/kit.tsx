// The small kit a component may use without importing it (the names the seed's components
// use: cn, Badge, Card*, Table*), or import from "orchable/ui". Plain elements styled by
// the sandbox page's stylesheet (sandbox.html).

import type { ReactNode } from "react";

type Box = { children?: ReactNode; className?: string };

export function cn(...names: unknown[]): string {
  return names.filter((n) => typeof n === "string" && n !== "").join(" ");
}

const box =
  (tag: "div" | "span" | "h3" | "p", base: string) =>
  ({ children, className }: Box) => {
    const Tag = tag;
    return <Tag className={cn(base, className)}>{children}</Tag>;
  };

const part =
  (tag: "table" | "thead" | "tbody" | "tr" | "th" | "td", base: string) =>
  ({ children, className }: Box) => {
    const Tag = tag;
    return <Tag className={cn(base, className)}>{children}</Tag>;
  };

export const kit = {
  cn,
  Badge: box("span", "badge"),
  Card: box("div", "card"),
  CardHeader: box("div", "card-header"),
  CardTitle: box("h3", "card-title"),
  CardDescription: box("p", "card-description"),
  CardContent: box("div", "card-content"),
  CardFooter: box("div", "card-footer"),
  Table: part("table", "table"),
  TableHeader: part("thead", "table-header"),
  TableBody: part("tbody", "table-body"),
  TableRow: part("tr", "table-row"),
  TableHead: part("th", "table-head"),
  TableCell: part("td", "table-cell"),
};
