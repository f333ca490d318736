#pragma once
// Measures how long the path to a server keeps an idle TCP mapping: the
// idle timeout of the NAT gateways and firewalls on the way.
//
// Each probe is a connection of its own that sends `PROBE <token> <delay>`
// and then stays silent; the server answers `PROBED <token>` after the
// delay (docs/protocol.md, "Finding a NAT's idle timeout"). The answer
// arrives only if every gateway still held the mapping after that much
// silence. A probe whose answer does not come speaks once more: a gateway
// that forgot answers that with a reset (AWS's NAT gateway does), a silent
// one drops it.
//
// The search runs in rounds of probes waiting side by side: first doubling
// delays (min, 2 min, 4 min ... max; four wait at once, the next starting
// as one survives) until one is lost, then bisection
// rounds that spread several probes between the longest survivor and the
// shortest casualty, until the gap is within the resolution asked for.
// Probes longer than a known casualty are abandoned at once.

#include "chatclient.h"
#include "livenesssettings.h"

#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <memory>
#include <vector>

namespace longline {

class PathProbe;

// What a gateway does with a segment for a mapping it forgot.
enum class ForgetBehaviour
{
    Unknown, // no mapping was lost, so no casualty showed it
    Silent,  // drops it: neither end is told
    Reset,   // answers the inside with a TCP reset
    Mixed,   // some probes saw a reset and some silence
};
QString forgetBehaviourName(ForgetBehaviour behaviour); // "silent", "reset", ...

// What became of one probe.
enum class ProbeOutcome
{
    Survived, // PROBED arrived: the mapping outlived the delay
    Silent,   // no answer, and speaking again brought nothing back
    Reset,    // no answer, and speaking again brought a reset
    Refused,  // the server answered ERR (a delay beyond its maximum, a rate limit)
    Failed,   // could not connect, or the server closed the probe early
};
QString probeOutcomeName(ProbeOutcome outcome); // "survived", "silent", ...

struct IdleTimeoutSearch
{
    // The first round's shortest delay, and the longest delay tried; a path
    // that keeps mappings longer than maxDelay is reported as such.
    Millis minDelay{5000};
    Millis maxDelay{3600000};
    // Stop when the gap between survivor and casualty is at most this
    // fraction of the casualty's delay.
    double resolution = 0.10;
    // Probes waiting side by side in a bisection round.
    int probesPerRound = 8;
    // How long after its delay a probe's answer may take (plus twice the
    // round trip its connect took), and how long a reset may take after the
    // probe spoke again.
    Millis answerGrace{1500};
    Millis resetGrace{1500};
};

struct IdleTimeoutResult
{
    enum class Outcome
    {
        Measured,  // survived < timeout <= goneBy
        NoTimeout, // every probe survived, up to maxDelay
        Cancelled, // the user stopped it; survived/goneBy hold what was known
        Failed,    // error says why (the server cannot be reached, no PROBE)
    };
    Outcome outcome = Outcome::Failed;
    Millis survived{0}; // longest idle a mapping was seen to survive (0: none)
    Millis goneBy{0};   // shortest idle after which one was gone (0: none seen)
    ForgetBehaviour behaviour = ForgetBehaviour::Unknown;
    Millis elapsed{0};
    int probes = 0;
    int rounds = 0;
    // The longest wait the server allows, when it refused a longer probe
    // (its --max-probe-delay); 0 when none was refused.
    Millis serverMax{0};
    QString error;

    QString outcomeName() const; // "measured", "no_timeout", "cancelled", "failed"
    // One sentence in English for the terminal and logs; the window words
    // its own, translated.
    QString describe() const;
};

class IdleTimeoutProber : public QObject
{
    Q_OBJECT

public:
    struct Target
    {
        QString host;
        quint16 port = 0;
        ChatClient::TlsOptions tls;
    };

    explicit IdleTimeoutProber(QObject *parent = nullptr);
    ~IdleTimeoutProber() override;

    // The whole search. finished() follows, once.
    void start(const Target &target, const IdleTimeoutSearch &search);
    // One probe at one delay (adaptive mode's re-check): finished() says
    // Measured with survived = delay, or goneBy = delay.
    void checkOnce(const Target &target, Millis delay, const IdleTimeoutSearch &search = {});
    // Stops every probe; finished() reports Cancelled with what was known.
    void cancel();
    bool isRunning() const { return m_running; }

    // Known bounds so far (0: not yet known).
    Millis survived() const { return m_survived; }
    Millis goneBy() const { return m_goneBy; }
    // When the current round's longest wait ends, from the start.
    Millis roundDeadline() const { return m_roundDeadline; }
    Millis elapsed() const;

Q_SIGNALS:
    void roundStarted(int round, const QString &phase, const QList<longline::Millis> &delays);
    void probeFinished(longline::Millis delay, longline::ProbeOutcome outcome,
                       const QString &detail);
    void finished(const longline::IdleTimeoutResult &result);

private:
    // Starts `atOnce` of `delays` now and the rest one by one as probes end.
    void launchRound(const QString &phase, const QList<Millis> &delays, int atOnce = 1 << 16);
    void launchNext();
    void onProbeDone(PathProbe *probe);
    void nextRound();
    void finish(IdleTimeoutResult::Outcome outcome, const QString &error = {});
    void abandonLongerThan(Millis delay);
    ForgetBehaviour behaviour() const;

    Target m_target;
    IdleTimeoutSearch m_search;
    bool m_running = false;
    bool m_single = false;
    std::vector<std::unique_ptr<PathProbe>> m_probes;  // this round's
    QList<Millis> m_queued;                            // this round's delays not started yet
    std::vector<std::unique_ptr<PathProbe>> m_retired; // finished with, freed from the event loop
    std::vector<Millis> m_survivors;
    Millis m_serverMax{0}; // learned from a refusal; probed once
    quint64 m_run = 0;     // bumped per search and at its end: stale callbacks see it
    QElapsedTimer m_clock;
    Millis m_survived{0};
    Millis m_goneBy{0};
    Millis m_roundDeadline{0};
    int m_probeCount = 0;
    int m_rounds = 0;
    int m_resets = 0;
    int m_silences = 0;
    QString m_lastRefusal;
    QString m_lastFailure;
    int m_roundAnswers = 0; // probes of this round that reached the server
};

} // namespace longline

Q_DECLARE_METATYPE(longline::IdleTimeoutResult)
