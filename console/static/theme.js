// Applies the chosen theme before the page paints. The choice ("light", "dark" or
// none, following the system's prefers-color-scheme) is the only thing the console
// keeps in the browser's storage; no credential or token is ever stored there.
(function () {
  var t = null;
  try { t = localStorage.getItem('cairn-theme'); } catch (e) { /* storage off */ }
  if (t === 'light' || t === 'dark') document.documentElement.setAttribute('data-theme', t);
})();
