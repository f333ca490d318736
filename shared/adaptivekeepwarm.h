#pragma once
// Adaptive keep-warm: the client keeps its connection's gateway mapping warm
// just often enough. Per network (the server and the local address it was
// reached from) it remembers how long an idle mapping survived, measured
// with an IdleTimeoutProber, and runs its keep-warm mechanism at a safe
// fraction of that (keepwarm.h). Now and then one probe re-checks the value;
// when a keep-warm ever fails to hold a mapping (a heartbeat or keepalive
// timeout, or a reset after an idle spell) the interval is halved at once
// and the path measured again once the client is back online.

#include "chatclient.h"
#include "idletimeoutprober.h"
#include "keepwarm.h"

#include <QObject>
#include <QSettings>
#include <QTimer>
#include <memory>

namespace longline {

class AdaptiveKeepWarm : public QObject
{
    Q_OBJECT

public:
    // Why an interval was applied; the names are stable for scripts.
    enum class Reason
    {
        Stored,         // remembered for this network from an earlier measurement
        Measured,       // a measurement just finished
        FailedKeepWarm, // a keep-warm did not hold the mapping: halved at once
        RecheckFailed,  // a re-check probe was lost: halved at once
    };
    static QString reasonName(Reason reason);

    // A re-check every hour: gateways change (a new router, a carrier's
    // policy) far less often than that, and one probe an hour costs nothing.
    static constexpr Millis DefaultRecheck{3600 * 1000};

    // `storePath`: an INI file of measured values per network.
    AdaptiveKeepWarm(ChatClient *client, const QString &storePath, QObject *parent = nullptr);
    ~AdaptiveKeepWarm() override;

    void setEnabled(bool on);
    bool isEnabled() const { return m_enabled; }
    void setRecheckInterval(Millis interval) { m_recheckInterval = interval; }
    void setSearch(const IdleTimeoutSearch &search) { m_search = search; }

    // The network the client is connected over ("host:port via local-address").
    QString currentNetwork() const;
    // The survived idle remembered for a network; nothing when unknown.
    std::optional<Millis> storedSurvival(const QString &network) const;
    // Measures the current network now; the result is stored and applied.
    // (The window's own "Measure this path" runs a prober of its own.)
    void measureNow();
    bool isMeasuring() const { return m_prober->isRunning(); }
    IdleTimeoutProber *prober() const { return m_prober; }

    static QString defaultStorePath(); // $XDG_STATE_HOME/longline/paths.ini

Q_SIGNALS:
    void measuring(const QString &network);
    void measured(const longline::IdleTimeoutResult &result);
    void applied(longline::Millis interval, longline::KeepWarmMechanism mechanism,
                 longline::AdaptiveKeepWarm::Reason reason, longline::Millis survived);
    void rechecked(longline::Millis delay, longline::ProbeOutcome outcome);

private:
    struct Stored
    {
        std::optional<Millis> survived; // the last measurement
        std::optional<Millis> lowered;  // an interval halved since, until measured again
        bool stale = false;             // measure again when next online
    };
    Stored stored(const QString &network) const;
    void onStateChanged(ChatClient::State state);
    void onConnectionLost(const DeathVerdict &verdict);
    void onProberFinished(const IdleTimeoutResult &result);
    void recheck();
    void restartRecheck();
    // Halves the interval in force (or `failedAt`, if shorter), at least
    // MinKeepWarmInterval, stores it as this network's until measured anew.
    void lowerNow(Millis failedAt, Reason reason);
    void apply(Millis interval, Reason reason, Millis survived);
    // What `interval` becomes in the mechanism the settings run (keepalive
    // takes whole seconds).
    Millis appliedInterval(Millis interval) const;
    void store(const QString &network, std::optional<Millis> survived,
               std::optional<Millis> lowered);
    IdleTimeoutProber::Target target() const;

    ChatClient *m_client;
    IdleTimeoutProber *m_prober;
    std::unique_ptr<QSettings> m_store;
    QTimer m_recheckTimer;
    Millis m_recheckInterval{DefaultRecheck};
    IdleTimeoutSearch m_search;
    bool m_enabled = false;
    bool m_checking = false;         // the prober runs a re-check, not a search
    QString m_network;               // of the connection that is (or was last) online
    QString m_measuringNetwork;      // what the running search measures
    std::optional<Millis> m_applied; // the keep-warm interval in force
    QString m_appliedNetwork;        // the network it was chosen for
};

} // namespace longline
