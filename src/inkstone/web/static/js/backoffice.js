// The back office's comforts; every page works without them.
(function () {
  "use strict";

  // A checkbox with data-select-all="<name>" ticks or clears every checkbox called <name> in
  // its form (bulk actions on a selection), and follows them when they change one by one.
  document.querySelectorAll("input[data-select-all]").forEach(function (master) {
    var form = master.form;
    var name = master.getAttribute("data-select-all");
    if (!form) {
      return;
    }
    var boxes = function () {
      return Array.prototype.slice.call(form.querySelectorAll('input[type="checkbox"][name="' + name + '"]'));
    };
    master.addEventListener("change", function () {
      boxes().forEach(function (box) {
        box.checked = master.checked;
      });
    });
    form.addEventListener("change", function (event) {
      if (event.target === master || event.target.name !== name) {
        return;
      }
      var all = boxes();
      var ticked = all.filter(function (box) { return box.checked; }).length;
      master.checked = ticked === all.length && all.length > 0;
      master.indeterminate = ticked > 0 && ticked < all.length;
    });
  });
})();
