#include "budgetreport.h"

#include "presentation.h"

namespace longline::app {

namespace {
QString d(Millis ms)
{
    return Presentation::duration(ms);
}
} // namespace

BudgetReport BudgetReport::analyze(const LivenessConfig &config,
                                   std::optional<Millis> serverMinPing)
{
    BudgetReport r;
    const LivenessSettings settings = config.toSettings();
    r.budget = settings.detectionBudget();

    const KeepaliveOptions &ka = config.keepalive;
    const Millis idle = std::chrono::seconds(ka.idleS);
    const Millis intvl = std::chrono::seconds(ka.intervalS);
    if (config.keepaliveOn()) {
        const Millis kaBudget = ka.detectionBudget(config.userTimeout);
        if (config.userTimeout.count() > 0)
            r.lines << tr("OS keepalive: first probe after %1 of silence, then every %2; with the "
                          "user timeout of %3 the kernel gives up at %4")
                           .arg(d(idle), d(intvl), d(config.userTimeout), d(kaBudget));
        else
            r.lines << tr("OS keepalive: %1 idle + %2 × %3 = %4")
                           .arg(d(idle))
                           .arg(ka.count)
                           .arg(d(intvl), d(kaBudget));
    }
    if (config.heartbeatOn()) {
        const HeartbeatOptions &hb = config.heartbeat;
        r.lines << tr("Heartbeats: a ping after %1 of silence, dead after %1 + %2 = %3")
                       .arg(d(hb.interval), d(hb.timeout), d(hb.detectionBudget()));
    }
    if (config.userTimeout.count() > 0)
        r.lines << tr("Unacknowledged data is given up after %1 (TCP user timeout)")
                       .arg(d(config.userTimeout));

    if (config.mode == LivenessMode::None)
        r.warnings << tr("No liveness mechanism: an idle connection that dies silently is never "
                         "noticed, and nothing keeps NAT mappings fresh.");
    if (config.mode == LivenessMode::Keepalive && config.userTimeout.count() == 0)
        r.warnings << tr("Keepalive pauses while sent data is unacknowledged: a message sent "
                         "into a dead link takes about 15 minutes of retransmissions to fail. "
                         "Set a TCP user timeout.");
    if (config.heartbeatOn() && serverMinPing && config.heartbeat.interval < *serverMinPing)
        r.warnings << tr("The server accepts a ping at most every %1, so heartbeats run at that "
                         "interval instead of %2 and the budget grows to match.")
                          .arg(d(*serverMinPing), d(config.heartbeat.interval));

    if (config.natTimeoutS > 0) {
        const Millis nat = std::chrono::seconds(config.natTimeoutS);
        bool keptWarm = false;
        if (config.keepaliveOn()) {
            if (idle >= nat) {
                r.natWarning = true;
                r.warnings << tr("Keepalive idle time %1 is not shorter than the NAT idle "
                                 "timeout %2: the mapping expires before the first probe.")
                                  .arg(d(idle), d(nat));
            } else {
                keptWarm = true;
            }
        }
        if (config.heartbeatOn()) {
            if (config.heartbeat.interval >= nat) {
                r.natWarning = true;
                r.warnings << tr("Heartbeat interval %1 is not shorter than the NAT idle "
                                 "timeout %2: the mapping expires before the next ping.")
                                  .arg(d(config.heartbeat.interval), d(nat));
            } else {
                keptWarm = true;
            }
        }
        if (!keptWarm) {
            r.natWarning = true;
            r.warnings << tr("Nothing keeps the NAT mapping fresh: an idle connection dies "
                             "silently after %1.")
                              .arg(d(nat));
        }
    }
    return r;
}

QString BudgetReport::headline() const
{
    if (!budget)
        return tr("Worst-case detection: never (no mechanism enabled)");
    return tr("Worst-case detection: %1").arg(Presentation::duration(*budget));
}

} // namespace longline::app
