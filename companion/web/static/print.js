/* "Print" buttons (<button data-print hidden>): shown only when this script runs, since
 * without JavaScript they could do nothing; the browser's own Print still works then.
 * A file rather than an onclick attribute: the Content-Security-Policy runs no inline code.
 */
(function () {
  "use strict";

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () {
      window.print();
    });
    button.hidden = false;
  });
})();
