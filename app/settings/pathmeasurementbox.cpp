#include "pathmeasurementbox.h"

#include "labelstyle.h"
#include "presentation.h"

#include "keepwarm.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QVBoxLayout>
#include <algorithm>

namespace longline::app {

namespace {

constexpr std::chrono::milliseconds ProgressTick{250};
constexpr int DefaultResolutionPct = 10;

QLabel *wrapLabel(QWidget *parent, const QString &name)
{
    auto *l = new QLabel(parent);
    l->setObjectName(name);
    l->setWordWrap(true);
    l->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return l;
}

// A wrapped cell never leaves one short word on a line of its own
// ("detects death / in"): the last two words of three or more stay together.
// Chinese breaks at its spaces and after "/" only, never inside a word
// ("一次心 / 跳"): its characters are joined by U+2060.
QString noWidow(QString text)
{
    const auto wide = [](QChar c) { return c.unicode() >= 0x2e80; };
    if (text.count(QLatin1Char(' ')) >= 2 && std::none_of(text.cbegin(), text.cend(), wide))
        text[text.lastIndexOf(QLatin1Char(' '))] = QChar::Nbsp;
    for (qsizetype i = text.size() - 1; i > 0; --i) {
        if (wide(text[i]) && wide(text[i - 1]))
            text.insert(i, QChar(0x2060));
    }
    return text;
}

QString perHour(double value)
{
    return QString::number(qRound(value));
}

QString bytesPerHour(double bytes)
{
    if (bytes < 10000)
        return PathMeasurementBox::tr("%1 B").arg(qRound(bytes));
    return PathMeasurementBox::tr("%1 KB").arg(bytes / 1000.0, 0, 'f', 1);
}

} // namespace

PathMeasurementBox::PathMeasurementBox(QWidget *parent)
    : QGroupBox(tr("Measure this path"), parent), m_prober(new IdleTimeoutProber(this))
{
    setObjectName(QStringLiteral("pathMeasurement"));
    auto *layout = new QVBoxLayout(this);
    auto *intro = wrapLabel(this, QStringLiteral("pathIntro"));
    intro->setText(tr("Finds how long the path to the server keeps an idle connection: a few "
                      "probe connections wait in silence for different times, then the server "
                      "speaks first on each. It takes two to three times the timeout; over an hour "
                      "when nothing on the path forgets."));
    setTone(intro, Tone::Muted);
    layout->addWidget(intro);

    auto *row = new QHBoxLayout;
    m_measure = new QPushButton(tr("&Measure this path"), this);
    m_measure->setObjectName(QStringLiteral("measurePath"));
    m_cancel = new QPushButton(tr("Cancel"), this);
    m_cancel->setObjectName(QStringLiteral("cancelMeasurement"));
    m_resolution = new QSpinBox(this);
    m_resolution->setObjectName(QStringLiteral("measureResolution"));
    m_resolution->setRange(1, 50);
    m_resolution->setValue(DefaultResolutionPct);
    m_resolution->setPrefix(tr("to "));
    m_resolution->setSuffix(tr(" %"));
    m_resolution->setToolTip(tr("Resolution: the search stops when the longest idle time that "
                                "survived and the shortest that did not are this close"));
    m_resolution->setFocusPolicy(Qt::StrongFocus); // no wheel changes without focus
    row->addWidget(m_measure);
    row->addWidget(m_resolution);
    row->addWidget(m_cancel);
    row->addStretch(1);
    layout->addLayout(row);

    m_progress = new QProgressBar(this);
    m_progress->setObjectName(QStringLiteral("measureProgress"));
    m_progress->setTextVisible(false);
    m_progress->setMaximumHeight(fontMetrics().height() / 2 + 4);
    m_progressLabel = wrapLabel(this, QStringLiteral("measureProgressText"));
    layout->addWidget(m_progress);
    layout->addWidget(m_progressLabel);

    m_resultLabel = wrapLabel(this, QStringLiteral("measureResult"));
    setBold(m_resultLabel, true);
    layout->addWidget(m_resultLabel);

    m_costs = wrapLabel(this, QStringLiteral("keepWarmCosts"));
    m_costs->setTextFormat(Qt::RichText);
    layout->addWidget(m_costs);

    m_apply = new QPushButton(this);
    m_apply->setObjectName(QStringLiteral("applyMeasurement"));
    layout->addWidget(m_apply, 0, Qt::AlignLeft);

    // A check box does not wrap: a short name, and what it does below it.
    m_adaptive = new QCheckBox(tr("Adaptive keep-&warm"), this);
    m_adaptive->setObjectName(QStringLiteral("adaptiveKeepWarm"));
    layout->addWidget(m_adaptive);
    QLabel *adaptiveWhat = wrapLabel(this, QStringLiteral("adaptiveExplanation"));
    adaptiveWhat->setText(tr("Measures every network, re-checks now and then, and lowers the "
                             "keep-warm interval at once when a keep-warm fails."));
    setTone(adaptiveWhat, Tone::Muted);
    layout->addWidget(adaptiveWhat);
    m_adaptiveStatus = wrapLabel(this, QStringLiteral("adaptiveStatus"));
    layout->addWidget(m_adaptiveStatus);

    m_progressTimer.setInterval(ProgressTick);
    connect(&m_progressTimer, &QTimer::timeout, this, &PathMeasurementBox::refreshProgress);
    connect(m_measure, &QPushButton::clicked, this, &PathMeasurementBox::startMeasurement);
    connect(m_cancel, &QPushButton::clicked, this, &PathMeasurementBox::cancelMeasurement);
    connect(m_apply, &QPushButton::clicked, this, [this] {
        if (m_result && m_result->survived > Millis{0})
            Q_EMIT applyRequested(m_result->survived);
    });
    connect(m_adaptive, &QCheckBox::toggled, this, &PathMeasurementBox::adaptiveToggled);
    connect(m_prober, &IdleTimeoutProber::roundStarted, this, &PathMeasurementBox::onRoundStarted);
    connect(m_prober, &IdleTimeoutProber::probeFinished, this,
            &PathMeasurementBox::refreshProgress);
    connect(m_prober, &IdleTimeoutProber::finished, this, &PathMeasurementBox::onFinished);
    refreshButtons();
    refreshCosts();
    m_progress->hide();
    m_progressLabel->hide();
    m_resultLabel->hide(); // no empty line's gap before the first result
    m_adaptiveStatus->hide();
}

void PathMeasurementBox::setTarget(const std::optional<IdleTimeoutProber::Target> &target)
{
    const auto sameServer = [](const auto &a, const auto &b) {
        return a && b && a->host == b->host && a->port == b->port;
    };
    if (!sameServer(m_target, target)) {
        // Another server, another path: what was measured is not its.
        m_prober->cancel();
        m_result.reset();
        m_resultLabel->clear();
        m_resultLabel->hide();
    }
    m_target = target;
    refreshButtons();
    refreshCosts(); // TLS makes every heartbeat line a record
}

void PathMeasurementBox::setLiveness(const LivenessSettings &settings)
{
    m_settings = settings;
    refreshCosts();
    refreshButtons(); // Apply names the mechanism the mode runs
}

void PathMeasurementBox::setAdaptive(bool on)
{
    const QSignalBlocker quiet(m_adaptive);
    m_adaptive->setChecked(on);
}

void PathMeasurementBox::setAdaptiveStatus(const QString &text)
{
    m_adaptiveStatus->setText(text);
    m_adaptiveStatus->setVisible(!text.isEmpty());
}

void PathMeasurementBox::startMeasurement()
{
    if (!m_target || m_prober->isRunning())
        return;
    const IdleTimeoutSearch search = this->search();
    m_roundText.clear();
    m_progress->show();
    m_progressLabel->show();
    m_progressTimer.start();
    m_prober->start(*m_target, search);
    refreshButtons();
    refreshProgress();
}

IdleTimeoutSearch PathMeasurementBox::search() const
{
    IdleTimeoutSearch s = m_search;
    s.resolution = m_resolution->value() / 100.0;
    return s;
}

void PathMeasurementBox::cancelMeasurement()
{
    m_prober->cancel();
}

void PathMeasurementBox::onRoundStarted(int round, const QString &phase,
                                        const QList<Millis> &delays)
{
    m_roundStart = m_prober->elapsed();
    const QString from = Presentation::duration(delays.first());
    const QString to = Presentation::duration(delays.last());
    m_roundText = phase == QLatin1String("doubling")
                      ? tr("Round %1: %2 probes idle for %3 up to %4, doubling")
                            .arg(round)
                            .arg(delays.size())
                            .arg(from, to)
                      : tr("Round %1: %2 probes idle for %3 to %4, between the last survivor and "
                           "the first casualty")
                            .arg(round)
                            .arg(delays.size())
                            .arg(from, to);
    refreshProgress();
}

void PathMeasurementBox::refreshProgress()
{
    if (!m_prober->isRunning())
        return;
    const auto seconds = [](Millis ms) {
        return tr("%1 s").arg(std::max<qint64>(ms.count(), 0) / 1000);
    };
    QStringList lines{m_roundText};
    if (m_prober->goneBy() > Millis{0})
        lines << tr("So far: survived %1 idle, gone by %2.")
                     .arg(Presentation::duration(m_prober->survived()),
                          Presentation::duration(m_prober->goneBy()));
    else if (m_prober->survived() > Millis{0})
        lines << tr("So far: survived %1 idle; nothing lost yet.")
                     .arg(Presentation::duration(m_prober->survived()));
    if (m_prober->goneBy() <= Millis{0}) {
        // Doubling until something is lost: no end to show yet.
        m_progress->setRange(0, 0);
        lines << tr("%1 elapsed.").arg(seconds(m_prober->elapsed()));
    } else {
        const qint64 span = std::max<qint64>((m_prober->roundDeadline() - m_roundStart).count(), 1);
        const qint64 done = (m_prober->elapsed() - m_roundStart).count();
        m_progress->setRange(0, 1000);
        m_progress->setValue(static_cast<int>(std::clamp<qint64>(done * 1000 / span, 0, 1000)));
        lines << tr("%1 elapsed; this round ends in about %2.")
                     .arg(seconds(m_prober->elapsed()),
                          seconds(m_prober->roundDeadline() - m_prober->elapsed()));
    }
    m_progressLabel->setText(lines.join(QLatin1Char('\n')));
}

void PathMeasurementBox::onFinished(const IdleTimeoutResult &result)
{
    m_progressTimer.stop();
    m_progress->hide();
    m_progressLabel->hide();
    showResult(result);
}

void PathMeasurementBox::showResult(const IdleTimeoutResult &result)
{
    m_result = result;
    m_resultLabel->setText(describe(result));
    m_resultLabel->setVisible(!m_resultLabel->text().isEmpty());
    refreshCosts();
    refreshButtons();
}

QString PathMeasurementBox::describe(const IdleTimeoutResult &r)
{
    QString how;
    switch (r.behaviour) {
    case ForgetBehaviour::Silent:
        how = tr("The gateway stays silent when it forgets: neither end is told.");
        break;
    case ForgetBehaviour::Reset:
        how = tr("The gateway answers with a reset when it forgets (as AWS's NAT gateway does).");
        break;
    case ForgetBehaviour::Mixed:
        how = tr("Some forgotten probes got a reset, others silence.");
        break;
    case ForgetBehaviour::Unknown:
        break;
    }
    const QString took = tr("Measured in %1 with %2 probe connections.")
                             .arg(Presentation::duration(r.elapsed))
                             .arg(r.probes);
    QString what;
    switch (r.outcome) {
    case IdleTimeoutResult::Outcome::Measured:
        what = r.survived > Millis{0}
                   ? tr("Mappings on this path survive %1 idle and are gone by %2.")
                         .arg(Presentation::duration(r.survived), Presentation::duration(r.goneBy))
                   : tr("Mappings on this path are gone after %1 idle or less.")
                         .arg(Presentation::duration(r.goneBy));
        break;
    case IdleTimeoutResult::Outcome::NoTimeout:
        what = r.serverMax > Millis{0} && r.survived >= r.serverMax
                   ? tr("Mappings on this path survive %1 idle, the longest this server lets a "
                        "probe wait: nothing on the way forgets sooner.")
                         .arg(Presentation::duration(r.survived))
                   : tr("Mappings on this path survive %1 idle, the longest tried: nothing on the "
                        "way forgets sooner.")
                         .arg(Presentation::duration(r.survived));
        break;
    case IdleTimeoutResult::Outcome::Cancelled:
        what = r.goneBy > Millis{0}
                   ? tr("Cancelled. So far mappings survived %1 idle and were gone by %2.")
                         .arg(Presentation::duration(r.survived), Presentation::duration(r.goneBy))
                   : tr("Cancelled. So far mappings survived %1 idle.")
                         .arg(Presentation::duration(r.survived));
        break;
    case IdleTimeoutResult::Outcome::Failed:
        return tr("The measurement failed: %1").arg(r.error);
    }
    return QStringList{what, how, took}
        .filter(QRegularExpression(QStringLiteral(".")))
        .join(QLatin1Char(' '));
}

void PathMeasurementBox::refreshCosts()
{
    struct Row
    {
        QString name;
        LivenessSettings settings;
    };
    QList<Row> rows{{tr("Your settings now"), m_settings}};
    const bool measured = m_result && m_result->survived > Millis{0} &&
                          (m_result->outcome == IdleTimeoutResult::Outcome::Measured ||
                           m_result->outcome == IdleTimeoutResult::Outcome::NoTimeout);
    if (measured) {
        const Millis interval = safeKeepWarmInterval(m_result->survived);
        LivenessSettings beats = m_settings;
        beats.keepalive.enabled = false;
        beats = withKeepWarmInterval(beats, interval);
        LivenessSettings probes = m_settings;
        probes.heartbeat.enabled = false;
        probes.keepalive.enabled = true;
        probes = withKeepWarmInterval(probes, interval);
        rows.append(
            {tr("Heartbeats every %1").arg(Presentation::duration(beats.heartbeat.interval)),
             beats});
        rows.append({tr("Keepalive every %1")
                         .arg(Presentation::duration(std::chrono::seconds(probes.keepalive.idleS))),
                     probes});
    }
    QString html = QStringLiteral("<table cellspacing='0' cellpadding='2'><tr><th "
                                  "align='left'></th><th align='right'>%1</th><th "
                                  "align='right'>%2</th><th align='right'>%3</th></tr>")
                       .arg(noWidow(tr("packets/h idle")), noWidow(tr("bytes/h idle")),
                            noWidow(tr("detects death in")));
    for (const Row &row : std::as_const(rows)) {
        const IdleTraffic t = idleTraffic(row.settings, m_target && m_target->tls.enabled);
        const std::optional<Millis> budget = row.settings.detectionBudget();
        html += QStringLiteral("<tr><td>%1</td><td align='right'>%2</td><td "
                               "align='right'>%3</td><td align='right'>%4</td></tr>")
                    .arg(noWidow(row.name).toHtmlEscaped(), perHour(t.packetsPerHour),
                         bytesPerHour(t.bytesPerHour),
                         budget ? Presentation::duration(*budget) : tr("never"));
    }
    html += QStringLiteral("</table>");
    if (measured)
        html += QStringLiteral("<p>%1</p>")
                    .arg(tr("Keep-warm at %1 % of the longest idle that survived leaves room for "
                            "the measurement's resolution and timer slack.")
                             .arg(qRound(SafeKeepWarmFraction * 100))
                             .toHtmlEscaped());
    m_costs->setText(html);
}

void PathMeasurementBox::refreshButtons()
{
    const bool running = m_prober->isRunning();
    m_measure->setEnabled(m_target.has_value() && !running);
    m_measure->setToolTip(m_target ? QString() : tr("Connect to a server first"));
    m_cancel->setVisible(running);
    m_resolution->setEnabled(!running);
    const bool usable = m_result && m_result->survived > Millis{0} &&
                        (m_result->outcome == IdleTimeoutResult::Outcome::Measured ||
                         m_result->outcome == IdleTimeoutResult::Outcome::NoTimeout);
    m_apply->setVisible(usable);
    if (usable) {
        // What Apply will set, in the mechanism the mode runs.
        const LivenessSettings after =
            withKeepWarmInterval(m_settings, safeKeepWarmInterval(m_result->survived));
        const Millis interval = keepWarmMechanism(m_settings) == KeepWarmMechanism::Keepalive
                                    ? Millis{std::chrono::seconds(after.keepalive.idleS)}
                                    : after.heartbeat.interval;
        m_apply->setText(
            keepWarmMechanism(m_settings) == KeepWarmMechanism::Keepalive
                ? tr("Apply: keepalive idle %1").arg(Presentation::duration(interval))
                : tr("Apply: heartbeat every %1").arg(Presentation::duration(interval)));
    }
}

QString PathMeasurementBox::resultText() const
{
    return m_resultLabel->text();
}

QString PathMeasurementBox::costText() const
{
    QString plain = m_costs->text();
    plain.replace(QRegularExpression(QStringLiteral("</t[dh]>")), QStringLiteral(" | "));
    plain.replace(QRegularExpression(QStringLiteral("</tr>|<p>")), QStringLiteral("\n"));
    plain.remove(QRegularExpression(QStringLiteral("<[^>]*>")));
    plain.replace(QChar::Nbsp, QLatin1Char(' '));
    plain.remove(QChar(0x2060));
    return plain;
}

QString PathMeasurementBox::progressText() const
{
    return m_progressLabel->text();
}

} // namespace longline::app
