#include "healthline.h"

#include "labelstyle.h"

#include "presentation.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>

namespace longline::app {

HealthLine::HealthLine(ChatClient *client, QWidget *parent) : QWidget(parent), m_client(client)
{
    setObjectName(QStringLiteral("healthLine"));
    auto *row = new QHBoxLayout(this);
    row->setContentsMargins(0, 0, 0, 0);
    // The fields are placed by fitFields(); the layout must not force the
    // window wider than the screen.
    row->setSizeConstraint(QLayout::SetNoConstraint);
    m_state = field(QStringLiteral("healthState"));
    m_budget = field(QStringLiteral("healthBudget"));
    m_rtt = field(QStringLiteral("healthRtt"));
    m_silence = field(QStringLiteral("healthSilence"));
    m_next = field(QStringLiteral("healthNextProbe"));
    // Left to right as read: state, round trip, silence, next probe, budget.
    for (QLabel *l : {m_state, m_rtt, m_silence, m_next, m_budget})
        row->addWidget(l);
    row->addStretch(1);

    m_tick.setInterval(Tick);
    connect(&m_tick, &QTimer::timeout, this, &HealthLine::refresh);
    connect(client, &ChatClient::stateChanged, this, &HealthLine::refresh);
    ConnectionLiveness *liveness = client->liveness();
    connect(liveness, &ConnectionLiveness::rttMeasured, this, &HealthLine::refresh);
    connect(liveness, &ConnectionLiveness::kernelSampled, this, &HealthLine::refresh);
    connect(liveness, &ConnectionLiveness::optionsApplied, this, &HealthLine::refresh);
    connect(liveness, &ConnectionLiveness::dead, this, &HealthLine::refresh);
    refresh();
}

QLabel *HealthLine::field(const QString &name)
{
    auto *label = new QLabel(this);
    label->setObjectName(name);
    label->setTextFormat(Qt::PlainText);
    m_fields << label;
    return label;
}

void HealthLine::refresh()
{
    const ChatClient::State state = m_client->state();
    const bool online = state == ChatClient::State::Online;
    if (online != m_tick.isActive())
        online ? m_tick.start() : m_tick.stop();
    const ConnectionLiveness *liveness = m_client->liveness();
    const LivenessSettings settings = m_client->effectiveSettings();

    m_state->setText(Presentation::state(state));
    const auto rtt = liveness->rtt();
    const auto view = liveness->lastKernelView();
    // Without a heartbeat round trip (off, or the link never went silent
    // long enough for a PING) the kernel's smoothed RTT still tells.
    if (!online)
        m_rtt->clear();
    else if (rtt.count > 0)
        m_rtt->setText(tr("RTT %1").arg(Presentation::rtt(rtt.lastMs)));
    else if (view && view->valid && view->rttUs > 0)
        m_rtt->setText(tr("RTT %1 (kernel)").arg(Presentation::rtt(view->rttUs / 1000.0)));
    else
        m_rtt->clear();
    const Millis silence = online ? liveness->sinceLastHeard() : Millis{0};
    m_silence->setText(online ? tr("silent %1").arg(Presentation::duration(silence)) : QString());

    // The next probe: a PING after `interval` of silence and every
    // `interval` while it lasts; otherwise the kernel's keepalive timer.
    QString next;
    if (online && settings.heartbeat.enabled && settings.heartbeat.interval.count() > 0) {
        const Millis interval = settings.heartbeat.interval;
        const Millis left = silence < interval
                                ? interval - silence
                                : interval - Millis{silence.count() % interval.count()};
        next = tr("ping in %1").arg(Presentation::duration(left));
    } else if (online && view && view->valid && view->timerKnown &&
               view->timer == KernelSocketView::Timer::Keepalive) {
        next =
            tr("keepalive probe in %1").arg(Presentation::duration(Millis{view->timerExpiresMs}));
    }
    m_next->setText(next);

    const std::optional<Millis> budget = settings.detectionBudget();
    m_budget->setText(budget
                          ? tr("dead link noticed within %1").arg(Presentation::duration(*budget))
                          : tr("no liveness detection"));
    setTone(m_budget, budget ? Tone::Normal : Tone::Bad);
    // Sent data waiting for its ACK pauses kernel keepalive: until the ACK
    // comes, only the user timeout, retransmissions or heartbeats decide.
    if (online && settings.keepalive.enabled && view && view->valid && view->unacked > 0 &&
        view->lastAckRecvMs >= AckWaitShown.count()) {
        QString decides;
        if (settings.heartbeat.enabled)
            decides = tr("heartbeats notice a dead link within %1")
                          .arg(Presentation::duration(settings.heartbeat.detectionBudget()));
        else if (settings.userTimeout.count() > 0)
            decides = tr("the TCP user timeout ends it within %1")
                          .arg(Presentation::duration(settings.userTimeout));
        else
            decides = tr("only retransmissions end it, after about 15 min");
        m_state->setText(tr("Online, waiting %1 for an ACK")
                             .arg(Presentation::duration(Millis{view->lastAckRecvMs})));
        m_budget->setText(tr("Keepalive paused by unacknowledged data; %1").arg(decides));
        setTone(m_budget, Tone::Bad);
    }
    fitFields();
}

QString HealthLine::text() const
{
    QStringList shown;
    for (const QLabel *l : {m_state, m_rtt, m_silence, m_next, m_budget}) {
        if (!l->isHidden() && !l->text().isEmpty())
            shown << l->text();
    }
    return shown.join(QStringLiteral(" | "));
}

void HealthLine::fitFields()
{
    const int spacing = layout()->spacing() > 0 ? layout()->spacing() : 6;
    int used = 0;
    for (QLabel *l : std::as_const(m_fields)) {
        const int w = l->sizeHint().width();
        const bool fits = !l->text().isEmpty() && (used == 0 || used + spacing + w <= width());
        l->setVisible(fits);
        if (fits)
            used += (used == 0 ? 0 : spacing) + w;
    }
    // Whatever is left out is one hover away.
    QStringList all;
    for (const QLabel *l : {m_state, m_rtt, m_silence, m_next, m_budget}) {
        if (!l->text().isEmpty())
            all << l->text();
    }
    setToolTip(all.join(QLatin1Char('\n')));
}

QSize HealthLine::minimumSizeHint() const
{
    return m_state->minimumSizeHint();
}

QSize HealthLine::sizeHint() const
{
    return {m_state->sizeHint().width(), m_state->sizeHint().height()};
}

void HealthLine::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    fitFields();
}

void HealthLine::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::FontChange)
        fitFields();
}

} // namespace longline::app
