// Shows the date of each date input in the Japanese era beside it (令和５年９月30日), as the
// pages write dates; the server renders the same text for the value the page was loaded with.
(function () {
  "use strict";
  var ERAS = [["2019-05-01", "令和"], ["1989-01-08", "平成"], ["1926-12-25", "昭和"]];

  function number(value) {
    var text = String(value);
    return text.length === 1 ? String.fromCharCode(0xff10 + value) : text;
  }

  function eraDate(iso) {
    var match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
    if (!match) return "";
    for (var i = 0; i < ERAS.length; i++) {
      if (iso >= ERAS[i][0]) {
        var year = Number(match[1]) - Number(ERAS[i][0].slice(0, 4)) + 1;
        return ERAS[i][1] + (year === 1 ? "元" : number(year)) + "年" +
          number(Number(match[2])) + "月" + number(Number(match[3])) + "日";
      }
    }
    return "";
  }

  document.querySelectorAll("input[type=date]").forEach(function (input) {
    var era = document.getElementById(input.id + "_era");
    if (!era) return;
    input.addEventListener("input", function () { era.textContent = eraDate(input.value); });
  });
})();
