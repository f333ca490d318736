#include "idletimeoutprober.h"

#include "certificatefingerprint.h"
#include "lineframer.h"
#include "protocol.h"

#include <QElapsedTimer>
#include <QRegularExpression>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTimer>
#include <algorithm>
#include <functional>

namespace longline {

namespace {

constexpr Millis ConnectTimeout{10000};
// Delays are rounded to this: finer steps measure timer slack, not gateways.
constexpr Millis DelayStep{10};
// Below this a bisection stops, whatever the resolution asked for.
constexpr Millis ShortestDelay{100};
// The doubling round keeps this many probes waiting at once, launching the
// next longer one as each survives. Launching all of them at once would be
// no faster, but every probe longer than the first casualty is abandoned
// with a gateway in between that drops the client's close, and the server
// holds it until its delay ends (up to --max-probe-delay).
constexpr int DoublingAhead = 4;
// A search never runs more rounds than this (a path whose answers contradict
// each other would otherwise keep it going).
constexpr int MaxRounds = 16;

Millis roundDelay(double ms)
{
    const qint64 step = DelayStep.count();
    return Millis{std::max<qint64>(static_cast<qint64>(ms) / step * step, ShortestDelay.count())};
}

} // namespace

QString forgetBehaviourName(ForgetBehaviour behaviour)
{
    switch (behaviour) {
    case ForgetBehaviour::Silent:
        return QStringLiteral("silent");
    case ForgetBehaviour::Reset:
        return QStringLiteral("reset");
    case ForgetBehaviour::Mixed:
        return QStringLiteral("mixed");
    case ForgetBehaviour::Unknown:
        break;
    }
    return QStringLiteral("unknown");
}

QString probeOutcomeName(ProbeOutcome outcome)
{
    switch (outcome) {
    case ProbeOutcome::Survived:
        return QStringLiteral("survived");
    case ProbeOutcome::Silent:
        return QStringLiteral("silent");
    case ProbeOutcome::Reset:
        return QStringLiteral("reset");
    case ProbeOutcome::Refused:
        return QStringLiteral("refused");
    case ProbeOutcome::Failed:
        break;
    }
    return QStringLiteral("failed");
}

QString IdleTimeoutResult::outcomeName() const
{
    switch (outcome) {
    case Outcome::Measured:
        return QStringLiteral("measured");
    case Outcome::NoTimeout:
        return QStringLiteral("no_timeout");
    case Outcome::Cancelled:
        return QStringLiteral("cancelled");
    case Outcome::Failed:
        break;
    }
    return QStringLiteral("failed");
}

QString IdleTimeoutResult::describe() const
{
    const QString took =
        QStringLiteral(" (measured in %1, %2 probes)").arg(formatMillis(elapsed)).arg(probes);
    QString how;
    if (behaviour == ForgetBehaviour::Silent)
        how = QStringLiteral("; the gateway stays silent when it forgets");
    else if (behaviour == ForgetBehaviour::Reset)
        how = QStringLiteral("; the gateway answers with a reset when it forgets");
    else if (behaviour == ForgetBehaviour::Mixed)
        how = QStringLiteral("; some forgotten probes got a reset, others silence");
    switch (outcome) {
    case Outcome::Measured:
        if (survived <= Millis{0})
            return QStringLiteral("Mappings on this path are gone after %1 idle or less%2%3.")
                .arg(formatMillis(goneBy), how, took);
        return QStringLiteral("Mappings on this path survive %1 idle and are gone by %2%3%4.")
            .arg(formatMillis(survived), formatMillis(goneBy), how, took);
    case Outcome::NoTimeout:
        if (serverMax > Millis{0} && survived >= serverMax)
            return QStringLiteral("Mappings on this path survive %1 idle, the longest this "
                                  "server lets a probe wait: no gateway on the way forgets "
                                  "sooner%2.")
                .arg(formatMillis(survived), took);
        return QStringLiteral("Mappings on this path survive %1 idle, the longest tried: no "
                              "gateway on the way forgets sooner%2.")
            .arg(formatMillis(survived), took);
    case Outcome::Cancelled:
        if (goneBy > Millis{0})
            return QStringLiteral("Cancelled: mappings survived %1 idle and were gone by %2 so "
                                  "far%3.")
                .arg(formatMillis(survived), formatMillis(goneBy), took);
        return QStringLiteral("Cancelled: mappings survived %1 idle so far%2.")
            .arg(formatMillis(survived), took);
    case Outcome::Failed:
        break;
    }
    return QStringLiteral("The measurement failed: %1.").arg(error);
}

// One probe connection: connect, PROBE, wait in silence, and see what comes.
class PathProbe
{
public:
    using Done = std::function<void(PathProbe *)>;

    PathProbe(const IdleTimeoutProber::Target &target, const IdleTimeoutSearch &search,
              Millis delay, QString token, Done done)
        : m_target(target), m_search(search), m_delay(delay), m_token(std::move(token)),
          m_done(std::move(done))
    {
        m_timer.setSingleShot(true);
        QObject::connect(&m_timer, &QTimer::timeout, &m_socket, [this] { onTimer(); });
        QObject::connect(&m_socket, &QAbstractSocket::connected, &m_socket, [this] {
            m_rtt = Millis{m_connectClock.elapsed()};
            if (!m_target.tls.enabled)
                sendProbe();
        });
        QObject::connect(&m_socket, &QSslSocket::encrypted, &m_socket, [this] { sendProbe(); });
        QObject::connect(&m_socket, &QSslSocket::sslErrors, &m_socket,
                         [this](const QList<QSslError> &errors) {
                             const QString fp = certificateFingerprint(m_socket.peerCertificate());
                             if (fingerprintsMatch(m_target.tls.pinnedSha256, fp))
                                 m_socket.ignoreSslErrors(errors);
                         });
        QObject::connect(&m_socket, &QIODevice::readyRead, &m_socket, [this] { onReadyRead(); });
        QObject::connect(&m_socket, &QAbstractSocket::errorOccurred, &m_socket,
                         [this](QAbstractSocket::SocketError) { onClosed(); });
        QObject::connect(&m_socket, &QAbstractSocket::disconnected, &m_socket,
                         [this] { onClosed(); });
    }

    ~PathProbe()
    {
        QObject::disconnect(&m_socket, nullptr, nullptr, nullptr);
        m_socket.abort();
    }

    void start()
    {
        m_state = State::Connecting;
        m_connectClock.start();
        m_timer.start(ConnectTimeout);
        if (m_target.tls.enabled) {
            if (!m_target.tls.caFile.isEmpty()) {
                QSslConfiguration config = m_socket.sslConfiguration();
                QList<QSslCertificate> cas = config.caCertificates();
                cas.append(QSslCertificate::fromPath(m_target.tls.caFile));
                config.setCaCertificates(cas);
                m_socket.setSslConfiguration(config);
            }
            m_socket.connectToHostEncrypted(m_target.host, m_target.port);
        } else {
            m_socket.connectToHost(m_target.host, m_target.port);
        }
    }

    // Stops without a verdict (the search no longer needs this one).
    void abandon()
    {
        m_state = State::Done;
        m_timer.stop();
        QObject::disconnect(&m_socket, nullptr, nullptr, nullptr);
        m_socket.abort();
    }

    bool isDone() const { return m_state == State::Done; }
    Millis delay() const { return m_delay; }
    ProbeOutcome outcome() const { return m_outcome; }
    QString detail() const { return m_detail; }

private:
    enum class State
    {
        Idle,
        Connecting, // TCP (and TLS) handshake
        Waiting,    // PROBE sent: silence until the answer or the deadline
        Checking,   // no answer by the deadline: spoke once more, waiting for a reset
        Done,
    };

    void sendProbe()
    {
        m_state = State::Waiting;
        m_waitClock.start();
        m_socket.write(protocol::probe(m_token, m_delay.count()));
        m_timer.start(m_delay + m_search.answerGrace + 2 * m_rtt);
    }

    void onTimer()
    {
        switch (m_state) {
        case State::Connecting:
            finish(ProbeOutcome::Failed,
                   QStringLiteral("no connection within %1").arg(formatMillis(ConnectTimeout)));
            return;
        case State::Waiting:
            // Speak on the connection a gateway may have forgotten: one that
            // answers the inside for lost mappings sends a reset now.
            m_state = State::Checking;
            m_socket.write(protocol::ping(QStringLiteral("c1")));
            m_timer.start(m_search.resetGrace + 2 * m_rtt);
            return;
        case State::Checking:
            finish(ProbeOutcome::Silent, {});
            return;
        case State::Idle:
        case State::Done:
            return;
        }
    }

    void onReadyRead()
    {
        m_framer.feed(m_socket.readAll());
        while (const auto item = m_framer.next()) {
            if (item->status != LineFramer::Status::Line || m_state == State::Done)
                continue;
            const protocol::ParseResult parsed = protocol::parse(item->text);
            if (!parsed.ok())
                continue;
            const protocol::Line &line = *parsed.line;
            // Only an answer in time counts: one arriving after the probe
            // spoke again may have crossed a mapping that PING re-created.
            if (line.command == QLatin1String("PROBED") && line.words.value(0) == m_token &&
                m_state == State::Waiting) {
                finish(ProbeOutcome::Survived, {});
                return;
            }
            // The PING got through but the answer had not: the gateway lost
            // the mapping without a word and made a new one for the PING.
            if (line.command == QLatin1String("PONG") && m_state == State::Checking) {
                finish(ProbeOutcome::Silent,
                       QStringLiteral("the answer was lost; the later PING got through"));
                return;
            }
            if (line.command == QLatin1String("ERR") && m_state == State::Waiting) {
                finish(ProbeOutcome::Refused, item->text);
                return;
            }
        }
    }

    void onClosed()
    {
        if (m_state == State::Checking) {
            finish(ProbeOutcome::Reset, m_socket.errorString());
        } else if (m_state == State::Connecting) {
            finish(ProbeOutcome::Failed, m_socket.errorString());
        } else if (m_state == State::Waiting) {
            // Well into the wait, a reset means a firewall that tells both
            // ends when it forgets; early, something else went wrong.
            if (m_waitClock.elapsed() >= m_delay.count() / 2)
                finish(ProbeOutcome::Reset,
                       QStringLiteral("reset while waiting: %1").arg(m_socket.errorString()));
            else
                finish(ProbeOutcome::Failed,
                       QStringLiteral("the connection closed before the answer was due (%1)")
                           .arg(m_socket.errorString()));
        }
    }

    void finish(ProbeOutcome outcome, const QString &detail)
    {
        if (m_state == State::Done)
            return;
        m_state = State::Done;
        m_outcome = outcome;
        m_detail = detail;
        m_timer.stop();
        QObject::disconnect(&m_socket, nullptr, nullptr, nullptr);
        m_socket.abort();
        // Last: the callback may destroy this probe.
        m_done(this);
    }

    IdleTimeoutProber::Target m_target;
    IdleTimeoutSearch m_search;
    Millis m_delay;
    QString m_token;
    Done m_done;
    QSslSocket m_socket;
    QTimer m_timer;
    LineFramer m_framer;
    QElapsedTimer m_connectClock;
    QElapsedTimer m_waitClock; // since PROBE was sent
    Millis m_rtt{0};
    State m_state = State::Idle;
    ProbeOutcome m_outcome = ProbeOutcome::Failed;
    QString m_detail;
};

IdleTimeoutProber::IdleTimeoutProber(QObject *parent) : QObject(parent)
{
    qRegisterMetaType<IdleTimeoutResult>();
}

IdleTimeoutProber::~IdleTimeoutProber() = default;

Millis IdleTimeoutProber::elapsed() const
{
    return m_clock.isValid() ? Millis{m_clock.elapsed()} : Millis{0};
}

void IdleTimeoutProber::start(const Target &target, const IdleTimeoutSearch &search)
{
    cancel();
    m_target = target;
    m_search = search;
    m_search.minDelay = std::max(roundDelay(search.minDelay.count()), ShortestDelay);
    m_search.maxDelay = std::max(search.maxDelay, m_search.minDelay);
    m_search.probesPerRound = std::clamp(search.probesPerRound, 1, 32);
    m_single = false;
    m_running = true;
    m_survived = m_goneBy = Millis{0};
    m_survivors.clear();
    m_serverMax = Millis{0};
    ++m_run;
    m_probeCount = m_rounds = m_resets = m_silences = 0;
    m_lastRefusal.clear();
    m_lastFailure.clear();
    m_clock.start();

    QList<Millis> delays;
    for (Millis d = m_search.minDelay; d < m_search.maxDelay; d *= 2)
        delays.append(d);
    delays.append(m_search.maxDelay);
    launchRound(QStringLiteral("doubling"), delays, DoublingAhead);
}

void IdleTimeoutProber::checkOnce(const Target &target, Millis delay,
                                  const IdleTimeoutSearch &search)
{
    cancel();
    m_target = target;
    m_search = search;
    m_single = true;
    m_running = true;
    m_survived = m_goneBy = Millis{0};
    m_survivors.clear();
    m_serverMax = Millis{0};
    ++m_run;
    m_probeCount = m_rounds = m_resets = m_silences = 0;
    m_lastRefusal.clear();
    m_lastFailure.clear();
    m_clock.start();
    launchRound(QStringLiteral("check"), {roundDelay(delay.count())});
}

void IdleTimeoutProber::cancel()
{
    if (!m_running)
        return;
    for (auto &probe : m_probes)
        probe->abandon();
    finish(IdleTimeoutResult::Outcome::Cancelled);
}

void IdleTimeoutProber::launchRound(const QString &phase, const QList<Millis> &delays, int atOnce)
{
    ++m_rounds;
    m_roundAnswers = 0;
    m_probes.clear(); // the last round's, all done (nextRound runs from the event loop)
    m_queued = delays;
    m_roundDeadline = Millis{0};
    Q_EMIT roundStarted(m_rounds, phase, delays);
    for (int i = 0; i < atOnce && !m_queued.isEmpty(); ++i)
        launchNext();
}

void IdleTimeoutProber::launchNext()
{
    const Millis delay = m_queued.takeFirst();
    const QString token = QStringLiteral("r%1p%2").arg(m_rounds).arg(m_probes.size() + 1);
    m_probes.push_back(std::make_unique<PathProbe>(m_target, m_search, delay, token,
                                                   [this](PathProbe *p) { onProbeDone(p); }));
    ++m_probeCount;
    m_roundDeadline =
        std::max(m_roundDeadline, elapsed() + delay + m_search.answerGrace + m_search.resetGrace);
    m_probes.back()->start();
}

void IdleTimeoutProber::onProbeDone(PathProbe *probe)
{
    const Millis delay = probe->delay();
    const ProbeOutcome outcome = probe->outcome();
    switch (outcome) {
    case ProbeOutcome::Survived:
        ++m_roundAnswers;
        m_survivors.push_back(delay);
        break;
    case ProbeOutcome::Silent:
    case ProbeOutcome::Reset:
        ++m_roundAnswers;
        ++(outcome == ProbeOutcome::Reset ? m_resets : m_silences);
        if (m_goneBy <= Millis{0} || delay < m_goneBy)
            m_goneBy = delay;
        break;
    case ProbeOutcome::Refused:
        m_lastRefusal = probe->detail();
        break;
    case ProbeOutcome::Failed:
        m_lastFailure = probe->detail();
        break;
    }
    // A survivor above a known casualty contradicts it (a gateway that
    // forgets early only sometimes): the casualty stands, being the safer
    // bound for a keep-warm interval; the longest survivor below it counts.
    m_survived = Millis{0};
    for (const Millis d : m_survivors) {
        if (m_goneBy <= Millis{0} || d < m_goneBy)
            m_survived = std::max(m_survived, d);
    }
    Q_EMIT probeFinished(delay, outcome, probe->detail());
    if (outcome == ProbeOutcome::Silent || outcome == ProbeOutcome::Reset) {
        abandonLongerThan(delay);
        m_queued.clear();
    } else if (outcome == ProbeOutcome::Refused) {
        // Longer ones would be refused as well; the server's own maximum
        // ("delay-ms must be 1 to N") is still worth a probe.
        m_queued.clear();
        static const QRegularExpression limit(QStringLiteral("must be 1 to (\\d+)"));
        const auto match = limit.match(probe->detail());
        const Millis cap{match.hasMatch() ? match.captured(1).toLongLong() : 0};
        if (m_running && cap > m_survived && cap < delay && m_goneBy <= Millis{0} &&
            m_serverMax <= Millis{0}) {
            m_serverMax = cap;
            m_queued.append(cap);
            launchNext();
        }
    } else if (!m_queued.isEmpty() && m_running) {
        launchNext(); // one waits, one more may start
    }
    const bool roundOver =
        m_queued.isEmpty() &&
        std::all_of(m_probes.begin(), m_probes.end(), [](const auto &p) { return p->isDone(); });
    if (roundOver)
        QTimer::singleShot(0, this, [this, run = m_run, round = m_rounds] {
            if (m_running && run == m_run && round == m_rounds)
                nextRound();
        });
}

void IdleTimeoutProber::abandonLongerThan(Millis delay)
{
    for (auto &probe : m_probes) {
        if (!probe->isDone() && probe->delay() > delay)
            probe->abandon();
    }
}

void IdleTimeoutProber::nextRound()
{
    if (m_roundAnswers == 0 && m_rounds > 1 && m_goneBy > Millis{0}) {
        // A later round lost every probe to something else (a network
        // blip): the bounds found so far still stand, only coarser.
        finish(IdleTimeoutResult::Outcome::Measured);
        return;
    }
    if (m_roundAnswers == 0) {
        // Not one probe got as far as an answer or a verdict.
        const QString why =
            !m_lastRefusal.isEmpty()
                ? QStringLiteral("the server refused the probes: %1").arg(m_lastRefusal)
                : m_lastFailure;
        finish(IdleTimeoutResult::Outcome::Failed, why);
        return;
    }
    if (m_single) {
        finish(IdleTimeoutResult::Outcome::Measured);
        return;
    }
    if (m_goneBy <= Millis{0}) {
        finish(IdleTimeoutResult::Outcome::NoTimeout);
        return;
    }
    const double gap = static_cast<double>((m_goneBy - m_survived).count());
    const bool fineEnough = gap <= m_search.resolution * static_cast<double>(m_goneBy.count());
    if (fineEnough || m_goneBy <= ShortestDelay || m_rounds >= MaxRounds) {
        finish(IdleTimeoutResult::Outcome::Measured);
        return;
    }
    QList<Millis> delays;
    const int k = m_search.probesPerRound;
    for (int i = 1; i <= k; ++i) {
        const Millis d = roundDelay(static_cast<double>(m_survived.count()) + gap * i / (k + 1));
        if (d > m_survived && d < m_goneBy && (delays.isEmpty() || d > delays.last()))
            delays.append(d);
    }
    if (delays.isEmpty()) {
        finish(IdleTimeoutResult::Outcome::Measured);
        return;
    }
    launchRound(QStringLiteral("bisection"), delays);
}

ForgetBehaviour IdleTimeoutProber::behaviour() const
{
    if (m_resets > 0 && m_silences > 0)
        return ForgetBehaviour::Mixed;
    if (m_resets > 0)
        return ForgetBehaviour::Reset;
    if (m_silences > 0)
        return ForgetBehaviour::Silent;
    return ForgetBehaviour::Unknown;
}

void IdleTimeoutProber::finish(IdleTimeoutResult::Outcome outcome, const QString &error)
{
    m_running = false;
    m_queued.clear();
    ++m_run;
    IdleTimeoutResult result;
    result.outcome = outcome;
    result.survived = m_survived;
    result.goneBy = m_goneBy;
    result.behaviour = behaviour();
    result.elapsed = elapsed();
    result.probes = m_probeCount;
    result.rounds = m_rounds;
    result.serverMax = m_serverMax;
    result.error = error;
    // Probes may be finishing inside their own callbacks: free them later.
    for (auto &probe : m_probes) {
        probe->abandon();
        m_retired.push_back(std::move(probe));
    }
    m_probes.clear();
    QTimer::singleShot(0, this, [this] { m_retired.clear(); });
    Q_EMIT finished(result);
}

} // namespace longline
