// Records every script error, rejected promise, console.error and blocked resource of the page in
// <html data-js-errors="N" data-js-error-log="…">, so a headless browser's dumped DOM shows them.
(function () {
  var root = document.documentElement;
  function record(message) {
    root.setAttribute('data-js-errors', String((+root.getAttribute('data-js-errors') || 0) + 1));
    var log = root.getAttribute('data-js-error-log') || '';
    root.setAttribute('data-js-error-log', (log ? log + ' | ' : '') + String(message).slice(0, 300));
  }
  window.addEventListener('error', function (e) {
    record(e.message || ('resource failed: ' + ((e.target && (e.target.src || e.target.href)) || '?')));
  }, true);
  window.addEventListener('unhandledrejection', function (e) { record('unhandled rejection: ' + e.reason); });
  document.addEventListener('securitypolicyviolation', function (e) {
    record('blocked by the page policy: ' + e.violatedDirective + ' ' + (e.blockedURI || ''));
  });
  var consoleError = console.error;
  console.error = function () {
    record(Array.prototype.join.call(arguments, ' '));
    return consoleError.apply(console, arguments);
  };
  root.setAttribute('data-js-errors', '0');
})();
