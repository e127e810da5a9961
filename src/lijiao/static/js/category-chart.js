/* Edition page chart: items and average training subsidy per category (data from json_script#chart-data). */
(function () {
  "use strict";

  function init() {
    var container = document.getElementById("category-chart");
    var source = document.getElementById("chart-data");
    if (!container || !source || typeof window.echarts === "undefined") return;
    var rows = JSON.parse(source.textContent);
    // labels in the page's language, from data attributes the template translates
    var itemsLabel = container.getAttribute("data-items-label") || "项目数";
    var averageLabel = container.getAttribute("data-average-label") || "平均培训补贴标准（元）";
    var yuanLabel = container.getAttribute("data-yuan-label") || "元";
    var narrow = container.clientWidth < 560;
    var chart = window.echarts.init(container, null, { renderer: "canvas" });
    chart.setOption({
      color: ["#1a56a6", "#b3261e"],
      textStyle: { fontFamily: "PingFang SC, Microsoft YaHei, WenQuanYi Zen Hei, sans-serif" },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { data: [itemsLabel, averageLabel], top: 0 },
      grid: { left: 8, right: 8, top: 40, bottom: 8, containLabel: true },
      xAxis: {
        type: "category",
        data: rows.map(function (r) { return r.category; }),
        axisLabel: { interval: 0, rotate: narrow || rows.length > 6 ? 40 : 0, fontSize: 11 }
      },
      yAxis: [
        { type: "value", name: itemsLabel, minInterval: 1 },
        { type: "value", name: yuanLabel, splitLine: { show: false } }
      ],
      series: [
        { name: itemsLabel, type: "bar", barMaxWidth: 36, data: rows.map(function (r) { return r.items; }) },
        {
          name: averageLabel,
          type: "line",
          yAxisIndex: 1,
          symbolSize: 7,
          data: rows.map(function (r) { return Number(r.average); })
        }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
