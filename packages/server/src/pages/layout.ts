import { html, SafeHtml } from './html.ts';

const STYLE = `
:root{color-scheme:light dark;font-family:system-ui,sans-serif;line-height:1.5}
body{margin:0;display:flex;justify-content:center;padding:3rem 1rem}
main{width:100%;max-width:40rem}
h1{font-size:1.6rem;margin:0 0 1rem}
form.stack{display:grid;gap:.75rem;max-width:24rem}
label{display:grid;gap:.25rem;font-weight:600}
input,select{font:inherit;padding:.5rem;border:1px solid #888;border-radius:.375rem}
button{font:inherit;padding:.5rem 1rem;border-radius:.375rem;border:1px solid #245;background:#245;color:#fff;cursor:pointer}
button.secondary{background:transparent;color:inherit;border-color:#888}
button:focus-visible,input:focus-visible,a:focus-visible{outline:3px solid #48f;outline-offset:2px}
.error{border-left:4px solid #c33;padding:.5rem .75rem;background:#c331}
.notice{border-left:4px solid #3a6;padding:.5rem .75rem;background:#3a61}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.4rem;border-bottom:1px solid #8884;vertical-align:top}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}
dt{font-weight:600}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
header{display:flex;justify-content:space-between;align-items:center;margin-bottom:1.5rem}
pre{overflow:auto;font-size:.85rem;padding:.5rem;border:1px solid #8884}
.reference td{overflow-wrap:anywhere}
`;

/** The page shell: no script, one nonce'd style block, nothing from another origin. */
export function layout(input: { title: string; nonce: string; body: SafeHtml }): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${input.title} · Gatehouse</title>
<style nonce="${input.nonce}">${new SafeHtml(STYLE)}</style>
</head>
<body><main>${input.body}</main></body>
</html>`.value;
}
