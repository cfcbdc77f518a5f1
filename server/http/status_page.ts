/**
 * The status page's HTML. It is a string in the module graph, not a file
 * read at run time, so `deno compile` carries it; it loads only
 * `/status.css` and `/status.js` from the same server (no external assets),
 * and `status.js` fills it from `/stats.json`.
 */
export const STATUS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>echochat status</title>
<link rel="stylesheet" href="/status.css">
<script src="/status.js" defer></script>
</head>
<body>
<header>
  <h1><span id="name">echochat</span> <small id="version"></small></h1>
  <p><span id="state" class="state">connecting…</span> · up <span id="uptime">–</span>
  · updated <span id="updated">–</span></p>
</header>
<main>
  <section class="cards">
    <div class="card"><h2>Connections</h2><p class="big" id="connections">–</p>
      <p id="connections-by-listener" class="detail"></p></div>
    <div class="card"><h2>Chat users</h2><p class="big" id="chat-users">–</p>
      <p class="detail"><span id="chat-rooms">–</span> rooms</p></div>
    <div class="card"><h2>Chat lines</h2><p class="big" id="chat-lines">–</p>
      <p class="detail"><span id="chat-rate">–</span> per second now</p></div>
    <div class="card"><h2>UDP echo</h2><p class="big" id="udp-echoed">–</p>
      <p class="detail">echoed, <span id="udp-dropped">–</span> dropped</p></div>
  </section>
  <section class="panel">
    <h2>Throughput, last 5 minutes <span class="legend"><i class="in"></i>in <i class="out"></i>out</span></h2>
    <svg id="chart" viewBox="0 0 600 180" preserveAspectRatio="none" role="img"
      aria-label="bytes per second in and out over the last five minutes"></svg>
    <div class="axis"><span>5 min ago</span><span>4 min</span><span>3 min</span><span>2 min</span>
      <span>1 min</span><span>now</span></div>
    <p class="detail">now <span id="rate-in">–</span> in, <span id="rate-out">–</span> out;
      peak <span id="chart-peak">–</span></p>
  </section>
  <section class="panel"><h2>Listeners</h2>
    <table><thead><tr><th>listener</th><th>address</th><th class="n">open</th>
    <th class="n">accepted</th><th class="n">refused</th><th class="n">bytes in</th>
    <th class="n">bytes out</th></tr></thead>
    <tbody id="listeners"></tbody></table></section>
  <div class="columns">
    <section class="panel"><h2>Chat rooms</h2>
      <table><thead><tr><th>room</th><th class="n">users</th></tr></thead>
      <tbody id="rooms"><tr><td colspan="2" class="empty">no rooms</td></tr></tbody></table>
      <p class="detail" id="rooms-more"></p></section>
    <section class="panel"><h2>Closes by reason</h2>
      <table><thead id="closes-head"></thead><tbody id="closes"></tbody></table></section>
    <section class="panel"><h2>Process</h2>
      <table><tbody>
      <tr><th>event-loop lag</th><td class="n" id="lag">–</td></tr>
      <tr><th>dispatcher backlog</th><td class="n" id="backlog">–</td></tr>
      <tr><th>queued output</th><td class="n" id="queued">–</td></tr>
      <tr><th>resident memory</th><td class="n" id="rss">–</td></tr>
      <tr><th>heap used</th><td class="n" id="heap">–</td></tr>
      <tr><th>UDP drops</th><td class="n" id="udp-drops">–</td></tr>
      </tbody></table></section>
  </div>
</main>
<footer>Machine-readable: <a href="/stats.json">/stats.json</a> · <a href="/metrics">/metrics</a>
  · <a href="/healthz">/healthz</a></footer>
</body>
</html>
`;
