#pragma once
// Explains what a liveness configuration promises: the worst-case time to
// notice a silent death, mechanism by mechanism, and the warnings a user
// should see (nothing enabled, keepalive blind while data is unacknowledged,
// keep-warm intervals longer than the NAT's idle timeout, pings faster than
// the server accepts, which ChatClient slows down to the server's minimum).

#include "livenessconfig.h"

#include <QCoreApplication>
#include <QStringList>
#include <optional>

namespace longline::app {

class BudgetReport
{
    Q_DECLARE_TR_FUNCTIONS(BudgetReport)
public:
    // The soonest verdict any enabled mechanism promises (what
    // LivenessSettings::detectionBudget() says), or nothing.
    std::optional<Millis> budget;
    QStringList lines;    // how each enabled mechanism arrives at its budget
    QStringList warnings; // problems, most important first
    // True when some keep-warm interval is not shorter than the NAT timeout.
    bool natWarning = false;

    // `serverMinPing` comes from the server's WELCOME when connected.
    static BudgetReport analyze(const LivenessConfig &config,
                                std::optional<Millis> serverMinPing = std::nullopt);
    // The headline: "Worst-case detection: 4.00 s" or "no detection".
    QString headline() const;
};

} // namespace longline::app
