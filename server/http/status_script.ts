/**
 * The status page's script, served as `/status.js` (a string in the module
 * graph, plain browser JavaScript with no build step). Every second it
 * fetches `/stats.json` and redraws the figures, the tables and the
 * throughput chart (inline SVG). Text from the server goes in with
 * `textContent` only, so a room name can never become markup.
 */
export const STATUS_SCRIPT = `"use strict";
(function () {
  var POLL_MS = 1000;
  var SVG = "http://www.w3.org/2000/svg";
  var W = 600, H = 180;

  function $(id) { return document.getElementById(id); }
  function setText(id, text) { $(id).textContent = String(text); }
  function count(n) { return Math.round(n).toLocaleString("en"); }
  function bytes(n) {
    var units = ["B", "KiB", "MiB", "GiB", "TiB"], i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i === 0 ? Math.round(n) : n.toFixed(n < 10 ? 1 : 0)) + " " + units[i];
  }
  function duration(s) {
    if (s < 60) return Math.floor(s) + " s";
    if (s < 3600) return Math.floor(s / 60) + " min " + Math.floor(s % 60) + " s";
    if (s < 86400) return Math.floor(s / 3600) + " h " + Math.floor((s % 3600) / 60) + " min";
    return Math.floor(s / 86400) + " d " + Math.floor((s % 86400) / 3600) + " h";
  }
  function cell(row, text, numeric) {
    var td = document.createElement("td");
    td.textContent = String(text);
    if (numeric) td.className = "n";
    row.appendChild(td);
    return td;
  }
  function fill(tbody, rows, empty) {
    tbody.replaceChildren();
    if (rows.length === 0 && empty) {
      var tr = document.createElement("tr");
      var td = cell(tr, empty);
      td.colSpan = 9;
      td.className = "empty";
      tbody.appendChild(tr);
    }
    rows.forEach(function (r) { tbody.appendChild(r); });
  }

  function drawChart(samples) {
    var svg = $("chart");
    svg.replaceChildren();
    var peak = 0;
    samples.forEach(function (s) { peak = Math.max(peak, s.bytesIn, s.bytesOut); });
    var top = peak > 0 ? peak * 1.1 : 1;
    for (var g = 1; g <= 3; g++) {
      var line = document.createElementNS(SVG, "line");
      line.setAttribute("class", "grid");
      line.setAttribute("x1", "0"); line.setAttribute("x2", String(W));
      line.setAttribute("y1", String(H * g / 4)); line.setAttribute("y2", String(H * g / 4));
      svg.appendChild(line);
    }
    var slots = 300;
    var firstX = W * (slots - samples.length) / (slots - 1);
    ["bytesIn", "bytesOut"].forEach(function (key) {
      var points = samples.map(function (s, i) {
        var x = W * (slots - samples.length + i) / (slots - 1);
        var y = H - (s[key] / top) * (H - 4);
        return x.toFixed(1) + "," + y.toFixed(1);
      });
      if (key === "bytesIn" && points.length > 1) {
        // Bytes in as a filled area, so an echo's identical out line does not hide it.
        var area = document.createElementNS(SVG, "polygon");
        area.setAttribute("class", "in-area");
        area.setAttribute("points", firstX.toFixed(1) + "," + H + " " + points.join(" ") +
          " " + W + "," + H);
        svg.appendChild(area);
      }
      var poly = document.createElementNS(SVG, "polyline");
      poly.setAttribute("class", key === "bytesIn" ? "in" : "out");
      poly.setAttribute("points", points.join(" "));
      svg.appendChild(poly);
    });
    setText("chart-peak", bytes(peak) + "/s");
    var last = samples[samples.length - 1];
    setText("rate-in", last ? bytes(last.bytesIn) + "/s" : "–");
    setText("rate-out", last ? bytes(last.bytesOut) + "/s" : "–");
    setText("chat-rate", last ? count(last.chatLines) : "–");
  }

  function render(doc) {
    setText("name", doc.name);
    setText("version", doc.version);
    var state = $("state");
    state.textContent = doc.stopping ? "stopping" : "serving";
    state.className = "state " + (doc.stopping ? "bad" : "ok");
    setText("uptime", duration(doc.uptimeSeconds));
    setText("updated", new Date(doc.now).toLocaleTimeString("en-GB"));

    var open = 0, parts = [];
    doc.listeners.forEach(function (l) { open += l.open; parts.push(l.name + " " + count(l.open)); });
    setText("connections", count(open));
    setText("connections-by-listener", parts.join(" · "));

    var chat = doc.chat;
    setText("chat-users", chat ? count(chat.users) : "off");
    setText("chat-rooms", chat ? count(chat.roomCount) : "–");
    setText("chat-lines", chat ? count(chat.linesRelayed) : "off");
    var roomRows = (chat ? chat.rooms : []).map(function (room) {
      var tr = document.createElement("tr");
      tr.dataset.room = room.name;
      cell(tr, "#" + room.name);
      cell(tr, count(room.users), true);
      return tr;
    });
    fill($("rooms"), roomRows, chat ? "no rooms" : "chat is off");
    setText("rooms-more", chat && chat.roomCount > chat.rooms.length
      ? "and " + count(chat.roomCount - chat.rooms.length) + " smaller rooms" : "");

    var udp = doc.udp, dropped = 0, dropParts = [];
    if (udp) {
      Object.keys(udp.dropped).forEach(function (reason) {
        dropped += udp.dropped[reason];
        if (udp.dropped[reason] > 0) dropParts.push(reason + " " + count(udp.dropped[reason]));
      });
    }
    setText("udp-echoed", udp ? count(udp.datagramsOut) : "off");
    setText("udp-dropped", udp ? count(dropped) : "–");
    setText("udp-drops", udp ? (dropParts.join(", ") || "none") : "off");

    fill($("listeners"), doc.listeners.map(function (l) {
      var tr = document.createElement("tr");
      tr.dataset.listener = l.name;
      cell(tr, l.name);
      cell(tr, l.address || "–");
      cell(tr, count(l.open), true);
      cell(tr, count(l.accepted), true);
      cell(tr, count(l.refused), true);
      cell(tr, bytes(l.bytesIn), true);
      cell(tr, bytes(l.bytesOut), true);
      return tr;
    }));

    var head = document.createElement("tr");
    cell(head, "reason");
    doc.listeners.forEach(function (l) { cell(head, l.name, true); });
    $("closes-head").replaceChildren(head);
    var reasons = doc.listeners.length > 0 ? Object.keys(doc.listeners[0].closed) : [];
    fill($("closes"), reasons.map(function (reason) {
      var tr = document.createElement("tr");
      tr.dataset.reason = reason;
      cell(tr, reason);
      doc.listeners.forEach(function (l) { cell(tr, count(l.closed[reason] || 0), true); });
      return tr;
    }), "no listeners");

    setText("lag", (doc.reactor.eventLoopLagSeconds * 1000).toFixed(1) + " ms, max " +
      (doc.reactor.eventLoopLagMaxSeconds * 1000).toFixed(1) + " ms");
    setText("backlog", count(doc.reactor.backlog));
    setText("queued", bytes(doc.reactor.queuedBytes));
    setText("rss", bytes(doc.memory.rssBytes));
    setText("heap", bytes(doc.memory.heapUsedBytes) + " of " + bytes(doc.memory.heapTotalBytes));
    drawChart(doc.history.samples);
    document.body.dataset.loaded = "true";
  }

  function poll() {
    fetch("/stats.json", { cache: "no-store" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(render)
      .catch(function () {
        var state = $("state");
        state.textContent = "unreachable";
        state.className = "state bad";
      })
      .finally(function () { setTimeout(poll, POLL_MS); });
  }
  poll();
})();
`;
