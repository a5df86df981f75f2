"use strict";
(function () {
  var D = JSON.parse(document.getElementById("data").textContent);
  var C = D.c, PAGE = 50, page = 0, sortKey = "id", sortDir = 1, view = [];
  var $ = function (id) { return document.getElementById(id); };
  var fmt = function (x, d) { return x === null ? "" : x.toFixed(d === undefined ? 3 : d).replace("-", "\u2212"); };
  var esc = function (s) { return String(s).replace(/[&<>"']/g, function (c) { return "&#" + c.charCodeAt(0) + ";"; }); };
  // Filters: one select per roster attribute, one for the profile.
  D.attrs.forEach(function (a, k) {
    var sel = $("f-" + k);
    D.dict[k].forEach(function (v, i) { var o = document.createElement("option"); o.value = String(i); o.textContent = v; sel.appendChild(o); });
    sel.addEventListener("change", function () { page = 0; update(); });
  });
  D.profiles.forEach(function (p, i) { var o = document.createElement("option"); o.value = String(i); o.textContent = p; $("f-profile").appendChild(o); });
  $("f-profile").addEventListener("change", function () { page = 0; update(); });
  $("q").addEventListener("input", function () { page = 0; update(); });
  $("prev").addEventListener("click", function () { if (page > 0) { page--; draw(); } });
  $("next").addEventListener("click", function () { if ((page + 1) * PAGE < view.length) { page++; draw(); } });
  var keyOf = {
    id: function (r) { return r[0]; }, round: function (r) { return r[12]; }, n: function (r) { return r[9]; },
    score: function (r) { return r[2]; }, change: function (r) { return r[5]; }, trend: function (r) { return r[6]; },
    level: function (r) { return r[7]; }, profile: function (r) { return r[8]; }
  };
  D.attrs.forEach(function (a, k) { keyOf["a" + k] = function (r) { return D.dict[k][r[1][k]]; }; });
  Array.prototype.forEach.call(document.querySelectorAll("th[data-k]"), function (th) {
    th.style.cursor = "pointer";
    th.addEventListener("click", function () {
      var k = th.getAttribute("data-k");
      if (sortKey === k) { sortDir = -sortDir; } else { sortKey = k; sortDir = 1; }
      page = 0; update();
    });
  });
  function update() {
    var q = $("q").value.trim().toLowerCase(), prof = $("f-profile").value, f = [];
    D.attrs.forEach(function (a, k) { var v = $("f-" + k).value; if (v !== "") { f.push([k, Number(v)]); } });
    view = [];
    for (var i = 0; i < C.length; i++) {
      var r = C[i], ok = true;
      if (q && r[0].toLowerCase().indexOf(q) < 0) { continue; }
      if (prof !== "" && r[8] !== Number(prof)) { continue; }
      for (var j = 0; j < f.length; j++) { if (r[1][f[j][0]] !== f[j][1]) { ok = false; break; } }
      if (ok) { view.push(i); }
    }
    var key = keyOf[sortKey];
    view.sort(function (a, b) {
      var x = key(C[a]), y = key(C[b]);
      if (x === null || x === -1) { return 1; }
      if (y === null || y === -1) { return -1; }
      return (x < y ? -1 : x > y ? 1 : a - b) * sortDir;
    });
    draw();
  }
  function draw() {
    var rows = [], end = Math.min(view.length, (page + 1) * PAGE);
    for (var i = page * PAGE; i < end; i++) {
      var r = C[view[i]], tr = r[6] >= 0 ? ["declining", "stable", "improving"][r[6]] : "";
      var lv = r[7] >= 0 ? ["low", "medium", "high"][r[7]] : "";
      var id = r[11] ? "<a href='cards/" + encodeURI(r[11]) + "'>" + esc(r[0]) + "</a>" : esc(r[0]);
      var cells = "<td>" + id + "</td>";
      for (var k = 0; k < D.attrs.length; k++) { cells += "<td>" + esc(D.dict[k][r[1][k]]) + "</td>"; }
      cells += "<td>" + esc(D.rounds[r[12]]) + "</td><td class=n>" + r[9] + "</td><td class=n>" + fmt(r[2]) +
        "</td><td class=n>" + (r[3] === null ? "" : fmt(r[3], 2) + "–" + fmt(r[4], 2)) + "</td><td class=n>" + fmt(r[5]) +
        "</td><td class='" + tr + "'>" + (r[6] >= 0 ? esc(D.trends[r[6]]) : "") + "</td><td class='" + lv + "'>" +
        (r[7] >= 0 ? esc(D.levels[r[7]]) : "") + "</td><td>" + (r[8] >= 0 ? esc(D.profiles[r[8]]) : "") + "</td>";
      rows.push("<tr>" + cells + "</tr>");
    }
    document.querySelector("#table tbody").innerHTML = rows.join("");
    var pages = Math.max(1, Math.ceil(view.length / PAGE));
    $("page").textContent = (page + 1) + " / " + pages;
    $("count").textContent = view.length + (D.lang === "es" ? " centros" : " centers");
  }
  function funnel() {
    var cv = $("funnel-canvas"), g = cv.getContext("2d"), F = D.funnel;
    var W = cv.width, H = cv.height, L = 50, B = 36, maxN = 1, lo = Infinity, hi = -Infinity;
    C.forEach(function (r) { if (r[10] !== null) { maxN = Math.max(maxN, r[9]); lo = Math.min(lo, r[10]); hi = Math.max(hi, r[10]); } });
    if (!isFinite(lo)) { return; }
    var x = function (n) { return L + (W - L - 10) * (n - 0.5) / (maxN + 0.5); };
    var y = function (v) { return 10 + (H - B - 10) * (1 - (v - lo) / Math.max(hi - lo, 1e-9)); };
    g.fillStyle = "#fff"; g.fillRect(0, 0, W, H); g.strokeStyle = "#999"; g.beginPath(); g.moveTo(L, H - B); g.lineTo(W, H - B); g.moveTo(L, 0); g.lineTo(L, H - B); g.stroke();
    g.fillStyle = "#333"; g.font = "12px sans-serif"; g.textAlign = "center";
    for (var n = 1; n <= maxN; n++) { g.fillText(String(n), x(n), H - B + 16); }
    g.fillText(D.lang === "es" ? "salas observadas" : "classrooms observed", W / 2, H - 4);
    g.textAlign = "right";
    for (var k = 0; k <= 4; k++) { var v = lo + (hi - lo) * k / 4; g.fillText(v.toFixed(2), L - 4, y(v) + 4); }
    g.fillStyle = "rgba(31,95,168,0.35)";
    C.forEach(function (r, i) { if (r[10] !== null) { var j = ((i * 7919) % 101) / 101 - 0.5; g.fillRect(x(r[9] + 0.5 * j) - 1.5, y(r[10]) - 1.5, 3, 3); } });
    if (F.mu === null) { return; }
    [[1.959964, "#d89b1d"], [3.090232, "#c0392b"]].forEach(function (zz) {
      g.strokeStyle = zz[1]; [-1, 1].forEach(function (s) {
        g.beginPath();
        for (var n = 1; n <= maxN; n += 0.1) { var v = F.mu + s * zz[0] * Math.sqrt(F.tau2 + F.sigma2 / n); if (n === 1) { g.moveTo(x(n), y(v)); } else { g.lineTo(x(n), y(v)); } }
        g.stroke();
      });
    });
    g.strokeStyle = "#1f5fa8"; g.beginPath(); g.moveTo(x(1), y(F.mu)); g.lineTo(x(maxN), y(F.mu)); g.stroke();
  }
  update();
  funnel();
})();
