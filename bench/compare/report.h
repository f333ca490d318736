#pragma once
// What `longline-bench compare` prints and writes: the issue-9 targets with
// their figures, a markdown table, JSON, and the chart (drawn by
// plot_compare.py from the JSON).

#include "compare.h"

#include <optional>
#include <string>
#include <vector>

namespace longline::bench::compare {

struct Target
{
    std::string name;
    std::string figure;
    std::optional<bool> holds; // absent: could not be judged (a server was not run)
};

std::vector<Target> evaluateTargets(const CompareResults &results);
std::string markdownReport(const CompareResults &results, const std::vector<Target> &targets);
std::string jsonReport(const CompareResults &results, const std::vector<Target> &targets);

// Writes results.json and results.md into the output directory and draws
// chart.png; false (with a line on stderr) for what could not be written.
bool writeReports(const CompareResults &results, const std::vector<Target> &targets);

} // namespace longline::bench::compare
