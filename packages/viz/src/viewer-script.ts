/**
 * Browser-side code of the report's 3-D viewer, as a string to inline in the page. It reads the
 * frames from a JSON script element, builds one 3Dmol.js model with the topology's bonds, and
 * moves its atoms when the slider changes (so bonds always come from the topology, never from
 * guessing by distance). Exposes `window.embedcgViewer` for tests.
 */
export const VIEWER_SCRIPT = String.raw`
(function () {
  var status = document.getElementById('viewer-status');
  function fail(msg) { if (status) { status.textContent = msg; status.className = 'warning'; } }
  var dataEl = document.getElementById('embedcg-frames');
  var host = document.getElementById('viewer');
  if (!dataEl || !host) return;
  if (typeof $3Dmol === 'undefined') { fail('3-D viewer library failed to load.'); return; }
  var data = JSON.parse(dataEl.textContent);
  var probe = document.createElement('canvas');
  if (!(probe.getContext('webgl2') || probe.getContext('webgl'))) { fail('This browser has no WebGL, so the 3-D viewer cannot be shown.'); return; }
  var viewer = $3Dmol.createViewer(host, { backgroundColor: 'white', antialias: true });
  var model = viewer.addModel();
  var nAtoms = data.elements.length;
  var neighbours = [];
  for (var a = 0; a < nAtoms; a++) neighbours.push([]);
  data.bonds.forEach(function (b) { neighbours[b[0]].push(b[1]); neighbours[b[1]].push(b[0]); });
  var first = data.coordinates[0];
  var atoms = [];
  for (var i = 0; i < nAtoms; i++) {
    atoms.push({ elem: data.elements[i], atom: data.names[i], resn: data.residues[i], resi: data.residueIndex[i] + 1,
      x: first[3 * i], y: first[3 * i + 1], z: first[3 * i + 2], index: i, serial: i + 1,
      bonds: neighbours[i], bondOrder: neighbours[i].map(function () { return 1; }) });
  }
  model.addAtoms(atoms);
  var style = { stick: { radius: 0.14 }, sphere: { scale: 0.22 } };
  model.setStyle({}, style);
  viewer.zoomTo();
  viewer.render();

  var slider = document.getElementById('frame-slider');
  var label = document.getElementById('frame-label');
  var play = document.getElementById('frame-play');
  var current = 0;
  function show(f) {
    current = f;
    var c = data.coordinates[f];
    var list = model.selectedAtoms({});
    for (var k = 0; k < list.length; k++) {
      var idx = list[k].index;
      list[k].x = c[3 * idx]; list[k].y = c[3 * idx + 1]; list[k].z = c[3 * idx + 2];
    }
    model.setStyle({}, style); // marks the geometry stale so the next render rebuilds it
    viewer.render();
    slider.value = String(f);
    var text = 'frame ' + (f + 1) + ' / ' + data.coordinates.length + ' (sample ' + data.sampleIndex[f] + ')';
    if (data.reducedEnergy) text += ', βU = ' + data.reducedEnergy[f].toFixed(1) + ' kT';
    label.textContent = text;
  }
  slider.max = String(data.coordinates.length - 1);
  slider.addEventListener('input', function () { stop(); show(Number(slider.value)); });
  var timer = null;
  function stop() { if (timer !== null) { clearInterval(timer); timer = null; play.textContent = 'Play'; } }
  play.addEventListener('click', function () {
    if (timer !== null) { stop(); return; }
    play.textContent = 'Pause';
    timer = setInterval(function () { show((current + 1) % data.coordinates.length); }, 250);
  });
  show(0);
  window.embedcgViewer = { viewer: viewer, model: model, show: show, frames: data.coordinates.length, current: function () { return current; } };
  if (status) status.textContent = '';
})();
`;
