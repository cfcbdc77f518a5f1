/** The status page's stylesheet, served as `/status.css` (a string in the module graph). */
export const STATUS_STYLE = `:root {
  --bg: #f6f7f9; --fg: #1d2330; --muted: #667085; --card: #fff; --line: #e3e6ec;
  --in: #2f6fde; --out: #e0803a; --ok: #1f9d55; --bad: #d64545;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); }
header, main, footer { max-width: 1100px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 18px; }
h1 { margin: 0; font-size: 24px; }
h1 small { color: var(--muted); font-weight: normal; font-size: 15px; }
header p { margin: 4px 0 14px; color: var(--muted); }
h2 { margin: 0 0 8px; font-size: 13px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); }
.state { font-weight: 600; color: var(--muted); }
.state.ok { color: var(--ok); }
.state.bad { color: var(--bad); }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap: 12px; }
.card, .panel { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
.panel { margin-top: 12px; }
.big { margin: 0; font-size: 32px; font-weight: 650; font-variant-numeric: tabular-nums; }
.detail { margin: 2px 0 0; color: var(--muted); font-size: 13px; }
.columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 12px; }
svg#chart { width: 100%; height: 180px; display: block; }
svg#chart .grid { stroke: var(--line); stroke-width: 1; }
svg#chart .in { fill: none; stroke: var(--in); stroke-width: 2; vector-effect: non-scaling-stroke; }
svg#chart .in-area { fill: var(--in); fill-opacity: .15; stroke: none; }
svg#chart .out { fill: none; stroke: var(--out); stroke-width: 1.5; stroke-dasharray: 5 3; vector-effect: non-scaling-stroke; }
.axis { display: flex; justify-content: space-between; color: var(--muted); font-size: 12px; margin-top: 2px; }
.legend { float: right; text-transform: none; letter-spacing: 0; }
.legend i { display: inline-block; width: 12px; height: 3px; margin: 0 4px 3px 10px; }
.legend i.in { background: var(--in); }
.legend i.out { background: var(--out); }
table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 4px 6px; border-bottom: 1px solid var(--line); font-size: 14px; }
th { font-weight: 600; color: var(--muted); }
.n { text-align: right; white-space: nowrap; }
.empty { color: var(--muted); font-style: italic; }
footer { margin: 16px auto 24px; color: var(--muted); font-size: 13px; }
a { color: var(--in); }
`;
