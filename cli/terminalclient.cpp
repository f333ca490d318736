#include "terminalclient.h"

#include <QCoreApplication>
#include <QHostAddress>
#include <QJsonArray>
#include <utility>

namespace longline::cli {

namespace {

// The longest client id ChatClient makes, for the line-length check.
constexpr int CidAllowance = 32;

QString endpoint(const QHostAddress &address, quint16 port)
{
    QHostAddress a = address;
    bool isV4 = false;
    const quint32 v4 = a.toIPv4Address(&isV4);
    if (isV4)
        a = QHostAddress(v4); // show ::ffff:127.0.0.1 as 127.0.0.1
    const QString host = a.protocol() == QAbstractSocket::IPv6Protocol
                             ? QLatin1Char('[') + a.toString() + QLatin1Char(']')
                             : a.toString();
    return host + QLatin1Char(':') + QString::number(port);
}

QJsonObject settingsObject(const LivenessSettings &s)
{
    return {
        {QStringLiteral("keepalive"), s.keepalive.toString()},
        {QStringLiteral("user_timeout_ms"), static_cast<double>(s.userTimeout.count())},
        {QStringLiteral("heartbeat"), s.heartbeat.toString()},
    };
}

QString clock(const QDateTime &time)
{
    const QDateTime t = time.isValid() ? time : QDateTime::currentDateTimeUtc();
    return t.toLocalTime().toString(QStringLiteral("HH:mm:ss"));
}

} // namespace

TerminalClient::TerminalClient(const CliOptions &options, QObject *parent)
    : QObject(parent), m_options(options), m_events(options.events)
{
    m_drainTimer.setSingleShot(true);
    connect(&m_drainTimer, &QTimer::timeout, this, [this] {
        m_events.write(
            QStringLiteral("log"),
            {{QStringLiteral("text"), QStringLiteral("quitting with %1 unacknowledged message(s)")
                                          .arg(m_client.outbox().size())}});
        quitNow();
    });

    m_client.setAutoReconnect(options.reconnect);
    m_client.setTls({options.tls, options.tlsCaFile, options.tlsPin});
    m_client.setPassword(options.password);
    connect(&m_client, &ChatClient::encrypted, this, [this](const QString &summary) {
        m_events.write(QStringLiteral("encrypted"), {{QStringLiteral("summary"), summary}});
    });
    connect(
        &m_client, &ChatClient::tlsVerificationFailed, this,
        [this](const QStringList &errors, const QString &fingerprint, const QString &subject) {
            m_events.write(
                QStringLiteral("tls_untrusted"),
                {{QStringLiteral("errors"), errors.join(QStringLiteral("; "))},
                 {QStringLiteral("fingerprint"), fingerprint},
                 {QStringLiteral("subject"), subject},
                 {QStringLiteral("hint"),
                  QStringLiteral("to trust it, run again with --tls-pin %1").arg(fingerprint)}});
            finish(ExitUntrusted);
        });
    m_client.setInitialHistory(options.history);
    m_client.setLivenessSettings(options.liveness);
    ConnectionLiveness *liveness = m_client.liveness();
    if (options.kernelSampleMs > 0) {
        liveness->setKernelSampling(Millis{options.kernelSampleMs}, true);
        connect(liveness, &ConnectionLiveness::kernelSampled, this,
                &TerminalClient::onKernelSample);
    }
    connect(liveness, &ConnectionLiveness::optionsApplied, this, &TerminalClient::onOptionsApplied);
    connect(liveness, &ConnectionLiveness::pingSent, this, [this](const QString &token) {
        m_events.write(QStringLiteral("ping_sent"), {{QStringLiteral("token"), token}});
    });
    connect(liveness, &ConnectionLiveness::rttMeasured, this, [this](Millis rtt) {
        m_events.write(QStringLiteral("rtt"),
                       {{QStringLiteral("ms"), static_cast<double>(rtt.count())}});
    });

    connect(&m_client, &ChatClient::stateChanged, this, &TerminalClient::onStateChanged);
    connect(&m_client, &ChatClient::welcomed, this, &TerminalClient::onWelcomed);
    connect(&m_client, &ChatClient::messageReceived, this, &TerminalClient::onMessage);
    connect(&m_client, &ChatClient::messageAcknowledged, this, &TerminalClient::onAcknowledged);
    connect(&m_client, &ChatClient::userJoined, this, &TerminalClient::onJoined);
    connect(&m_client, &ChatClient::userLeft, this, &TerminalClient::onLeft);
    connect(&m_client, &ChatClient::onlineChanged, this, [this](const QStringList &nicks) {
        if (!m_showOnlineReply || nicks.isEmpty())
            return;
        m_showOnlineReply = false;
        printChat(
            QStringLiteral("%1 -- online: %2")
                .arg(clock({}), protocol::sanitizeForDisplay(nicks.join(QStringLiteral(", ")))));
        // How much of a room too large for one answer is listed: known
        // already for a further page, told by the MEMBERS after a first one.
        m_listedAwaitingCount = m_client.roomCount() <= nicks.size();
        if (!m_listedAwaitingCount)
            printListed(nicks.size(), m_client.roomCount());
    });
    connect(&m_client, &ChatClient::memberCountChanged, this, [this](int count) {
        // Told once when the room goes over the server's presence limit,
        // not at every count: a busy room sends one a second, and the
        // count also changes with each /who page and JOIN or LEAVE.
        // After a /who answer: how much of a room too large for one is listed.
        if (std::exchange(m_listedAwaitingCount, false) && count > m_client.onlineCount())
            printListed(m_client.onlineCount(), count);
        const bool countOnly = m_client.countOnlyPresence();
        if (countOnly && !m_toldCountOnly)
            printChat(QStringLiteral("%1 -- %2 in the room (too many to announce each join and "
                                     "leave; /who lists the first page, /who more the next)")
                          .arg(clock({}))
                          .arg(count));
        m_toldCountOnly = countOnly;
    });
    connect(&m_client, &ChatClient::serverError, this, &TerminalClient::onServerError);
    connect(&m_client, &ChatClient::serverBye, this, &TerminalClient::onBye);
    connect(&m_client, &ChatClient::connectionLost, this, &TerminalClient::onConnectionLost);
    connect(&m_client, &ChatClient::connectFailed, this, &TerminalClient::onConnectFailed);
    connect(&m_client, &ChatClient::reconnectScheduled, this,
            &TerminalClient::onReconnectScheduled);
    connect(&m_client, &ChatClient::protocolViolation, this, [this](const QString &reason) {
        if (m_finished)
            return;
        m_events.write(QStringLiteral("protocol_violation"), {{QStringLiteral("reason"), reason}});
        if (!m_options.reconnect)
            finish(ExitProtocol);
    });
    connect(&m_client, &ChatClient::logEvent, this, [this](const QString &text) {
        if (!m_finished)
            m_events.write(QStringLiteral("log"), {{QStringLiteral("text"), text}});
    });

    if (options.adaptive)
        setUpAdaptive();

    connect(&m_stdin, &StdinReader::lineRead, this, &TerminalClient::onLine);
    connect(&m_stdin, &StdinReader::endOfInput, this, &TerminalClient::onEndOfInput);
    connect(&m_signals, &QuitSignals::quitRequested, this, [this](int signo) {
        // Ctrl-C or a service stop: leave at once, without waiting for acks.
        m_events.write(
            QStringLiteral("log"),
            {{QStringLiteral("text"), QStringLiteral("quitting on signal %1").arg(signo)}});
        m_quitRequested = true;
        if (m_quitReason.isEmpty())
            m_quitReason = QStringLiteral("interrupted");
        quitNow();
    });
}

void TerminalClient::start()
{
    m_client.connectToServer(m_options.host, m_options.port, m_options.nick);
}

void TerminalClient::printChat(const QString &text)
{
    const QByteArray out = text.toUtf8() + '\n';
    std::fwrite(out.constData(), 1, static_cast<size_t>(out.size()), stdout);
    std::fflush(stdout);
}

void TerminalClient::printListed(int listed, int room)
{
    printChat(QStringLiteral("%1 -- %2 of %3 listed; /who more lists the next page")
                  .arg(clock({}))
                  .arg(listed)
                  .arg(room));
}

void TerminalClient::onLine(const QString &raw)
{
    if (m_finished || m_quitRequested)
        return;
    const QString line = raw.trimmed();
    if (line.isEmpty())
        return;
    if (line == QLatin1String("/quit") || line.startsWith(QLatin1String("/quit "))) {
        requestQuit(line.mid(5).trimmed());
        return;
    }
    if (line == QLatin1String("/who")) {
        m_showOnlineReply = true;
        m_client.requestWho();
        return;
    }
    if (line == QLatin1String("/who more")) {
        if (m_client.requestMoreWho())
            m_showOnlineReply = true;
        else
            printChat(QStringLiteral("%1 -- /who more: nothing listed yet, or the last /who is "
                                     "still unanswered")
                          .arg(clock({})));
        return;
    }
    // A line the server would refuse as too long would never be acknowledged.
    const int maxLine = m_client.welcomeInfo() && m_client.welcomeInfo()->maxLine > 0
                            ? m_client.welcomeInfo()->maxLine
                            : 4096;
    const qsizetype wireBytes =
        protocol::sayWithId(QString(CidAllowance, QLatin1Char('x')), raw).size() - 1;
    if (wireBytes > maxLine) {
        m_events.write(QStringLiteral("log"),
                       {{QStringLiteral("text"),
                         QStringLiteral("not sent: the line is too long for the server (%1 bytes "
                                        "on the wire, at most %2)")
                             .arg(wireBytes)
                             .arg(maxLine)}});
        return;
    }
    m_client.send(raw);
}

void TerminalClient::onEndOfInput()
{
    if (!m_quitRequested)
        requestQuit(QString());
}

void TerminalClient::requestQuit(const QString &reason)
{
    m_quitRequested = true;
    m_quitReason = reason;
    if (!mustWaitBeforeQuit()) {
        quitNow();
        return;
    }
    const qsizetype pending = m_client.outbox().size();
    const QString what = pending > 0
                             ? QStringLiteral("%1 message(s) to be acknowledged").arg(pending)
                             : QStringLiteral("the connection to complete");
    m_events.write(QStringLiteral("log"),
                   {{QStringLiteral("text"),
                     QStringLiteral("waiting up to %1 for %2 before quitting")
                         .arg(formatMillis(DrainTimeout + m_client.pacingDelay()), what)}});
    startDrainTimer();
}

void TerminalClient::startDrainTimer()
{
    // Messages held back by the pacer are progress, not a stall.
    m_drainTimer.start(DrainTimeout + m_client.pacingDelay());
}

bool TerminalClient::mustWaitBeforeQuit() const
{
    switch (m_client.state()) {
    case ChatClient::State::Disconnected:
    case ChatClient::State::WaitingToReconnect:
        return false; // nothing will be acknowledged soon
    case ChatClient::State::Connecting:
    case ChatClient::State::Handshaking:
        return true; // finish the connection so its outcome is reported
    case ChatClient::State::Online:
        return !m_client.outbox().isEmpty();
    }
    return false;
}

void TerminalClient::quitNow()
{
    if (m_quitting || m_finished)
        return;
    m_drainTimer.stop();
    m_quitting = true;
    if (m_client.state() != ChatClient::State::Disconnected)
        m_client.disconnectFromServer(m_quitReason);
    if (m_client.state() == ChatClient::State::Disconnected)
        finish(ExitOk);
}

void TerminalClient::finish(int status)
{
    if (m_finished)
        return;
    m_events.write(QStringLiteral("exit"), {{QStringLiteral("status"), status}});
    m_finished = true;
    Q_EMIT finished(status);
}

void TerminalClient::onStateChanged(ChatClient::State state)
{
    if (m_finished)
        return;
    switch (state) {
    case ChatClient::State::Connecting:
        m_events.write(QStringLiteral("connecting"),
                       {{QStringLiteral("host"), m_client.host()},
                        {QStringLiteral("port"), m_client.port()},
                        {QStringLiteral("attempt"), m_client.reconnectAttempt()}});
        break;
    case ChatClient::State::Handshaking: {
        const QTcpSocket *s = m_client.socket();
        m_events.write(QStringLiteral("connected"),
                       {{QStringLiteral("local"), endpoint(s->localAddress(), s->localPort())},
                        {QStringLiteral("remote"), endpoint(s->peerAddress(), s->peerPort())}});
        break;
    }
    case ChatClient::State::Disconnected:
        if (m_quitting)
            finish(ExitOk);
        break;
    case ChatClient::State::Online:
    case ChatClient::State::WaitingToReconnect:
        break;
    }
}

void TerminalClient::onOptionsApplied(const SocketOptionsReport &report)
{
    if (m_finished)
        return;
    const EffectiveSocketOptions &e = report.effective;
    QJsonObject effective;
    effective.insert(QStringLiteral("valid"), e.valid);
    effective.insert(QStringLiteral("keepalive"),
                     e.keepaliveOn
                         ? QStringLiteral("%1,%2,%3").arg(e.idleS).arg(e.intervalS).arg(e.count)
                         : QStringLiteral("off"));
    effective.insert(QStringLiteral("user_timeout_ms"), e.userTimeoutMs);
    effective.insert(QStringLiteral("heartbeat"),
                     m_client.effectiveSettings().heartbeat.toString());
    m_events.write(QStringLiteral("options_applied"),
                   {{QStringLiteral("requested"), settingsObject(m_client.livenessSettings())},
                    {QStringLiteral("effective"), effective},
                    {QStringLiteral("errors"), QJsonArray::fromStringList(report.errors)}});
}

void TerminalClient::onWelcomed(const protocol::WelcomeInfo &info)
{
    if (m_finished)
        return;
    const QString hb =
        info.heartbeatOn
            ? QStringLiteral("%1,%2").arg(info.heartbeatIntervalS).arg(info.heartbeatTimeoutS)
            : QStringLiteral("off");
    m_events.write(QStringLiteral("welcome"),
                   {{QStringLiteral("nick"), info.nick},
                    {QStringLiteral("server"), info.server},
                    {QStringLiteral("seq"), static_cast<double>(info.seq)},
                    {QStringLiteral("hb"), hb},
                    {QStringLiteral("minping"), info.minPingS},
                    {QStringLiteral("maxline"), info.maxLine},
                    {QStringLiteral("maxhist"), info.maxHistory}});
    m_showOnlineReply = true; // the server follows WELCOME with ONLINE
    if (m_quitRequested && !mustWaitBeforeQuit())
        quitNow();
}

void TerminalClient::onMessage(const protocol::ChatMessage &m, bool fromHistory)
{
    if (m_finished)
        return;
    printChat(QStringLiteral("%1 %2<%3> %4")
                  .arg(clock(m.time), fromHistory ? QStringLiteral("[history] ") : QString(),
                       protocol::sanitizeForDisplay(m.nick), protocol::sanitizeForDisplay(m.text)));
    m_events.write(QStringLiteral("message"),
                   {{QStringLiteral("seq"), static_cast<double>(m.seq)},
                    {QStringLiteral("server_time"), protocol::formatTime(m.time)},
                    {QStringLiteral("nick"), m.nick},
                    {QStringLiteral("text"), m.text},
                    {QStringLiteral("history"), fromHistory}});
}

void TerminalClient::onAcknowledged(const QString &cid, qint64 seq)
{
    if (m_finished)
        return;
    m_events.write(QStringLiteral("ack"), {{QStringLiteral("cid"), cid},
                                           {QStringLiteral("seq"), static_cast<double>(seq)}});
    if (m_quitRequested && !mustWaitBeforeQuit())
        quitNow();
    else if (m_quitRequested && m_drainTimer.isActive())
        startDrainTimer(); // progress: the wait starts again
}

void TerminalClient::onJoined(const QDateTime &time, const QString &nick)
{
    if (m_finished)
        return;
    printChat(
        QStringLiteral("%1 -- %2 joined").arg(clock(time), protocol::sanitizeForDisplay(nick)));
    m_events.write(QStringLiteral("join"),
                   {{QStringLiteral("server_time"), protocol::formatTime(time)},
                    {QStringLiteral("nick"), nick}});
}

void TerminalClient::onLeft(const QDateTime &time, const QString &nick, const QString &reason)
{
    if (m_finished)
        return;
    printChat(QStringLiteral("%1 -- %2 left (%3)")
                  .arg(clock(time), protocol::sanitizeForDisplay(nick),
                       protocol::sanitizeForDisplay(reason)));
    m_events.write(QStringLiteral("leave"),
                   {{QStringLiteral("server_time"), protocol::formatTime(time)},
                    {QStringLiteral("nick"), nick},
                    {QStringLiteral("reason"), reason}});
}

void TerminalClient::onServerError(int code, const QString &name, const QString &text, bool fatal)
{
    if (m_finished)
        return;
    m_events.write(QStringLiteral("error"), {{QStringLiteral("code"), code},
                                             {QStringLiteral("name"), name},
                                             {QStringLiteral("text"), text},
                                             {QStringLiteral("fatal"), fatal}});
    if (fatal)
        finish(ExitRefused);
}

void TerminalClient::onBye(const QString &reason)
{
    if (!m_finished)
        m_events.write(QStringLiteral("bye"), {{QStringLiteral("reason"), reason}});
}

void TerminalClient::onConnectionLost(const DeathVerdict &v)
{
    if (m_finished)
        return;
    QJsonObject fields{{QStringLiteral("cause"), DeathVerdict::causeKey(v.cause)},
                       {QStringLiteral("cause_text"), DeathVerdict::causeName(v.cause)},
                       {QStringLiteral("description"), v.describe()},
                       {QStringLiteral("detail"), v.detail},
                       {QStringLiteral("detection_ms"), static_cast<double>(v.detection.count())}};
    fields.insert(QStringLiteral("budget_ms"),
                  v.budget ? QJsonValue(static_cast<double>(v.budget->count())) : QJsonValue());
    fields.insert(QStringLiteral("within_budget"),
                  v.budget ? QJsonValue(v.timeliness() != DeathVerdict::Timeliness::Late)
                           : QJsonValue());
    m_events.write(QStringLiteral("dead"), fields);
    if (m_options.reconnect)
        return;
    // A quit that was waiting for acknowledgements still ends like a failure:
    // those messages were not delivered.
    finish(v.isTimeout() ? ExitTimeout : ExitClosed);
}

void TerminalClient::onConnectFailed(const QString &error)
{
    if (m_finished)
        return;
    m_events.write(QStringLiteral("connect_failed"), {{QStringLiteral("error"), error}});
    if (!m_options.reconnect)
        finish(ExitConnectFailed);
}

void TerminalClient::onReconnectScheduled(Millis delay, int attempt)
{
    if (m_finished)
        return;
    m_events.write(QStringLiteral("reconnect"),
                   {{QStringLiteral("delay_ms"), static_cast<double>(delay.count())},
                    {QStringLiteral("attempt"), attempt}});
    if (m_quitRequested && !m_quitting)
        quitNow(); // nothing will be acknowledged while we wait
}

void TerminalClient::onKernelSample(const KernelSocketView &k)
{
    if (m_finished)
        return;
    if (!k.valid) {
        m_events.write(QStringLiteral("kernel"),
                       {{QStringLiteral("valid"), false}, {QStringLiteral("error"), k.error}});
        return;
    }
    QJsonObject fields{{QStringLiteral("valid"), true},
                       {QStringLiteral("state"), KernelSocketView::stateName(k.state)},
                       {QStringLiteral("rtt_us"), static_cast<double>(k.rttUs)},
                       {QStringLiteral("last_ack_recv_ms"), static_cast<double>(k.lastAckRecvMs)},
                       {QStringLiteral("last_data_recv_ms"), static_cast<double>(k.lastDataRecvMs)},
                       {QStringLiteral("probes"), k.probes},
                       {QStringLiteral("unacked"), static_cast<double>(k.unacked)},
                       {QStringLiteral("retransmits"), k.retransmits}};
    if (k.timerKnown) {
        fields.insert(QStringLiteral("timer"), KernelSocketView::timerName(k.timer));
        fields.insert(QStringLiteral("timer_expires_ms"), static_cast<double>(k.timerExpiresMs));
        fields.insert(QStringLiteral("timer_retrans"), static_cast<double>(k.timerRetrans));
    } else {
        fields.insert(QStringLiteral("timer"), QJsonValue());
        fields.insert(QStringLiteral("timer_expires_ms"), QJsonValue());
        fields.insert(QStringLiteral("timer_retrans"), QJsonValue());
    }
    m_events.write(QStringLiteral("kernel"), fields);
}

void TerminalClient::setUpAdaptive()
{
    const QString store = m_options.adaptiveStore.isEmpty() ? AdaptiveKeepWarm::defaultStorePath()
                                                            : m_options.adaptiveStore;
    m_adaptive = std::make_unique<AdaptiveKeepWarm>(&m_client, store);
    m_adaptive->setRecheckInterval(std::chrono::seconds(m_options.recheckS));
    connect(m_adaptive.get(), &AdaptiveKeepWarm::measuring, this, [this](const QString &network) {
        m_events.write(QStringLiteral("keepwarm_measuring"),
                       {{QStringLiteral("network"), network}});
    });
    connect(m_adaptive.get(), &AdaptiveKeepWarm::measured, this,
            [this](const IdleTimeoutResult &result) {
                m_events.write(
                    QStringLiteral("keepwarm_measured"),
                    {{QStringLiteral("outcome"), result.outcomeName()},
                     {QStringLiteral("survived_ms"), static_cast<double>(result.survived.count())},
                     {QStringLiteral("gone_by_ms"), static_cast<double>(result.goneBy.count())},
                     {QStringLiteral("gateway"), forgetBehaviourName(result.behaviour)},
                     {QStringLiteral("text"), result.describe()}});
            });
    connect(m_adaptive.get(), &AdaptiveKeepWarm::applied, this,
            [this](Millis interval, KeepWarmMechanism mechanism, AdaptiveKeepWarm::Reason reason,
                   Millis survived) {
                m_events.write(
                    QStringLiteral("keepwarm_applied"),
                    {{QStringLiteral("interval_ms"), static_cast<double>(interval.count())},
                     {QStringLiteral("mechanism"), mechanism == KeepWarmMechanism::Keepalive
                                                       ? QStringLiteral("keepalive")
                                                       : QStringLiteral("heartbeat")},
                     {QStringLiteral("reason"), AdaptiveKeepWarm::reasonName(reason)},
                     {QStringLiteral("survived_ms"), static_cast<double>(survived.count())},
                     {QStringLiteral("settings"), settingsObject(m_client.livenessSettings())}});
            });
    connect(m_adaptive.get(), &AdaptiveKeepWarm::rechecked, this,
            [this](Millis delay, ProbeOutcome outcome) {
                m_events.write(QStringLiteral("keepwarm_recheck"),
                               {{QStringLiteral("delay_ms"), static_cast<double>(delay.count())},
                                {QStringLiteral("outcome"), probeOutcomeName(outcome)}});
            });
    m_adaptive->setEnabled(true);
}

} // namespace longline::cli
