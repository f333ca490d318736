#include "rttstats.h"

#include <algorithm>
#include <cmath>

namespace longline {

void RttStats::add(double ms)
{
    if (!std::isfinite(ms) || ms < 0)
        return;
    m_samples.append(ms);
    if (m_samples.size() > m_window)
        m_samples.removeFirst();
    ++m_total;
}

void RttStats::clear()
{
    m_samples.clear();
    m_total = 0;
}

RttStats::Summary RttStats::summary() const
{
    Summary s;
    s.count = static_cast<int>(m_samples.size());
    s.total = m_total;
    if (m_samples.isEmpty())
        return s;
    s.lastMs = m_samples.last();
    QList<double> sorted = m_samples;
    std::sort(sorted.begin(), sorted.end());
    const qsizetype n = sorted.size();
    s.medianMs = n % 2 ? sorted.at(n / 2) : (sorted.at(n / 2 - 1) + sorted.at(n / 2)) / 2.0;
    // Nearest-rank percentile: the smallest sample with at least 95% at or below it.
    const qsizetype rank = static_cast<qsizetype>(std::ceil(0.95 * double(n)));
    s.p95Ms = sorted.at(std::clamp<qsizetype>(rank - 1, 0, n - 1));
    s.maxMs = sorted.last();
    double mean = 0;
    for (double v : sorted)
        mean += v;
    mean /= double(n);
    double var = 0;
    for (double v : sorted)
        var += (v - mean) * (v - mean);
    s.stddevMs = std::sqrt(var / double(n));
    return s;
}

} // namespace longline
