#pragma once
// Round-trip statistics over a recent window of heartbeat samples.

#include <QList>
#include <QtGlobal>

namespace longline {

class RttStats
{
public:
    // 64 samples: a few minutes at classroom ping rates, enough for a p95.
    static constexpr int DefaultWindow = 64;

    struct Summary
    {
        int count = 0;    // samples in the window
        qint64 total = 0; // samples ever added
        double lastMs = 0;
        double medianMs = 0;
        double p95Ms = 0;
        double maxMs = 0;
        double stddevMs = 0; // shown as jitter
    };

    explicit RttStats(int window = DefaultWindow) : m_window(window > 0 ? window : 1) {}

    void add(double ms);
    void clear();
    Summary summary() const;
    bool isEmpty() const { return m_samples.isEmpty(); }

private:
    int m_window;
    QList<double> m_samples; // oldest first
    qint64 m_total = 0;
};

} // namespace longline
