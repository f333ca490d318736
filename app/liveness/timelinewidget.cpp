#include "timelinewidget.h"

#include "heartbeatmonitor.h"
#include "presentation.h"
#include "timelinemodel.h"

#include <QPainter>
#include <QPainterPath>
#include <cmath>
#include <limits>

namespace longline::app {

namespace {
const QColor PingColor(0x1f, 0x5f, 0xbf);
const QColor LostColor(0xc6, 0x28, 0x28);
const QColor ProbeOkColor(0x2e, 0x7d, 0x32);
const QColor ProbeWaitColor(0xe0, 0x8a, 0x00);
const QColor UpColor(0x81, 0xc7, 0x84);
const QColor DeadColor(0xc6, 0x28, 0x28);
const QColor ClosedColor(0x75, 0x75, 0x75);

// A tick step that gives 4 to 8 labels across the span.
Millis tickStep(Millis span)
{
    static const qint64 steps[] = {1000, 2000, 5000, 10000, 15000, 30000, 60000, 120000, 300000};
    for (qint64 s : steps) {
        if (span.count() / s <= 8)
            return Millis{s};
    }
    return Millis{600000};
}
} // namespace

TimelineWidget::TimelineWidget(TimelineModel *model, QWidget *parent)
    : QWidget(parent), m_model(model)
{
    m_repaint.setInterval(RepaintPeriod);
    connect(&m_repaint, &QTimer::timeout, this, qOverload<>(&QWidget::update));
    connect(model, &TimelineModel::changed, this, qOverload<>(&QWidget::update));
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    setAccessibleName(tr("Liveness timeline"));
}

void TimelineWidget::setSpan(Millis span)
{
    m_span = span;
    update();
}

QSize TimelineWidget::sizeHint() const
{
    return {420, fontMetrics().height() * 8};
}

QSize TimelineWidget::minimumSizeHint() const
{
    return {240, fontMetrics().height() * 6};
}

void TimelineWidget::showEvent(QShowEvent *event)
{
    m_repaint.start();
    QWidget::showEvent(event);
}

void TimelineWidget::hideEvent(QHideEvent *event)
{
    m_repaint.stop();
    QWidget::hideEvent(event);
}

void TimelineWidget::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QPalette &pal = palette();
    const QFontMetrics fm = fontMetrics();
    const QColor dim = pal.color(QPalette::PlaceholderText);

    p.fillRect(rect(), pal.color(QPalette::Base));
    p.setPen(pal.color(QPalette::Mid));
    p.drawRect(rect().adjusted(0, 0, -1, -1));

    const QString laneNames[] = {tr("Heartbeat"), tr("Keepalive"), tr("Connection")};
    int gutter = 0;
    for (const QString &n : laneNames)
        gutter = std::max(gutter, fm.horizontalAdvance(n));
    gutter += 16;
    const int axisH = fm.height() + 4;
    const int top = 4;
    const QRect plot(gutter, top, width() - gutter - 8, height() - top - axisH);
    if (plot.width() < 20 || plot.height() < 20)
        return;
    const int laneH = plot.height() / 3;
    auto laneRect = [&](int i) {
        return QRect(plot.left(), plot.top() + i * laneH, plot.width(), laneH);
    };

    const Millis now = monotonicNow();
    const Millis start = now - m_span;
    auto xOf = [&](Millis t) {
        return plot.left() + double((t - start).count()) / double(m_span.count()) * plot.width();
    };

    // Lanes, labels and the time grid.
    for (int i = 0; i < 3; ++i) {
        const QRect lr = laneRect(i);
        if (i % 2 == 1)
            p.fillRect(lr, pal.color(QPalette::AlternateBase));
        p.setPen(pal.color(QPalette::Text));
        p.drawText(QRect(6, lr.top(), gutter - 10, lr.height()), Qt::AlignLeft | Qt::AlignVCenter,
                   laneNames[i]);
    }
    const Millis step = tickStep(m_span);
    p.setPen(QPen(pal.color(QPalette::Midlight), 1, Qt::DotLine));
    // Labels right to left from "now"; one that would touch the previous
    // is left out (its grid line stays), so large text never overprints.
    const int labelGap = fm.horizontalAdvance(QLatin1Char(' '));
    double freeRight = std::numeric_limits<double>::max();
    for (Millis ago{0}; ago <= m_span; ago += step) {
        const double x = xOf(now - ago);
        p.setPen(QPen(pal.color(QPalette::Mid), 1, Qt::DotLine));
        p.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()));
        p.setPen(dim);
        const QString label = Presentation::axisLabel(ago);
        const int w = fm.horizontalAdvance(label);
        const double lx = std::clamp(x - w / 2.0, double(plot.left()), double(plot.right() - w));
        if (lx + w + labelGap > freeRight)
            continue;
        p.drawText(QPointF(lx, plot.bottom() + fm.ascent() + 3), label);
        freeRight = lx;
    }

    const auto &events = m_model->events();
    // Connection lane: green while up, ended by a death or a close.
    const QRect connLane = laneRect(2);
    const int barH = std::max(6, connLane.height() / 3);
    const int barY = connLane.center().y() - barH / 2;
    std::optional<Millis> upSince;
    auto drawUp = [&](Millis from, Millis to) {
        if (to < start)
            return;
        const double x1 = xOf(std::max(from, start));
        const double x2 = xOf(std::min(to, now));
        p.fillRect(QRectF(x1, barY, std::max(1.0, x2 - x1), barH), UpColor);
    };
    for (const auto &e : events) {
        if (e.type == TimelineEvent::Type::Connected) {
            upSince = e.at;
        } else if (e.type == TimelineEvent::Type::Dead || e.type == TimelineEvent::Type::Closed) {
            if (upSince)
                drawUp(*upSince, e.at);
            upSince.reset();
        }
    }
    if (upSince)
        drawUp(*upSince, now);

    // Heartbeat lane: a stem per ping, its height the round trip relative
    // to the largest one in view (at least a dot, so loopback shows too).
    const QRect hbLane = laneRect(0);
    Millis maxRtt{1};
    bool anyRtt = false;
    for (const auto &e : events) {
        if (e.type == TimelineEvent::Type::Ping && e.rtt && e.at >= start) {
            maxRtt = std::max(maxRtt, *e.rtt);
            anyRtt = true;
        }
    }
    const int stemMax = hbLane.height() - 8;
    const int baseY = hbLane.bottom() - 3;
    for (const auto &e : events) {
        if (e.type != TimelineEvent::Type::Ping || e.at < start)
            continue;
        const double x = xOf(e.at);
        if (e.rtt) {
            const double h = 4 + double(e.rtt->count()) / double(maxRtt.count()) * (stemMax - 4);
            p.setPen(QPen(PingColor, 2));
            p.drawLine(QPointF(x, baseY), QPointF(x, baseY - h));
            p.setBrush(PingColor);
            p.drawEllipse(QPointF(x, baseY - h), 2.5, 2.5);
        } else {
            p.setPen(QPen(e.lost ? LostColor : dim, 1.5));
            p.setBrush(Qt::NoBrush);
            p.drawEllipse(QPointF(x, baseY - 4), 3.5, 3.5);
        }
    }
    if (anyRtt) {
        p.setPen(dim);
        p.drawText(hbLane.adjusted(4, 1, 0, 0), Qt::AlignLeft | Qt::AlignTop,
                   tr("max %1").arg(Presentation::rtt(double(maxRtt.count()))));
    }

    // Keepalive lane: answered probes green, unanswered ones orange with
    // the number of probes outstanding.
    const QRect kaLane = laneRect(1);
    const double ky = kaLane.center().y();
    for (const auto &e : events) {
        if (e.at < start)
            continue;
        const double x = xOf(e.at);
        if (e.type == TimelineEvent::Type::ProbeAnswered) {
            QPainterPath diamond;
            diamond.moveTo(x, ky - 6);
            diamond.lineTo(x + 6, ky);
            diamond.lineTo(x, ky + 6);
            diamond.lineTo(x - 6, ky);
            diamond.closeSubpath();
            p.fillPath(diamond, ProbeOkColor);
        } else if (e.type == TimelineEvent::Type::ProbeUnanswered) {
            QPainterPath tri;
            tri.moveTo(x, ky - 7);
            tri.lineTo(x + 7, ky + 6);
            tri.lineTo(x - 7, ky + 6);
            tri.closeSubpath();
            p.fillPath(tri, ProbeWaitColor);
            p.setPen(dim);
            p.drawText(QPointF(x + 8, ky + fm.ascent() / 2.0), QString::number(e.count));
        }
    }

    // Deaths and closes cross every lane, labelled with the cause.
    for (const auto &e : events) {
        if ((e.type != TimelineEvent::Type::Dead && e.type != TimelineEvent::Type::Closed) ||
            e.at < start)
            continue;
        const bool dead = e.type == TimelineEvent::Type::Dead;
        const double x = xOf(e.at);
        p.setPen(QPen(dead ? DeadColor : ClosedColor, dead ? 2.5 : 1.5,
                      dead ? Qt::SolidLine : Qt::DashLine));
        p.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()));
        if (e.lastHeard && *e.lastHeard >= start) {
            // Where the silence began: the verdict's story starts here.
            const double lx = xOf(*e.lastHeard);
            p.setPen(QPen(DeadColor, 1.5, Qt::DashLine));
            p.drawLine(QPointF(lx, plot.top()), QPointF(lx, plot.bottom()));
            const QString label = tr("last byte");
            const int w = fm.horizontalAdvance(label) + 8;
            const double bx = lx - 4 - w < plot.left() ? lx + 4 : lx - 4 - w;
            const QRectF box(bx, plot.top() + 1, w, fm.height() + 2);
            p.fillRect(box, pal.color(QPalette::Base));
            p.setPen(DeadColor);
            p.drawText(box, Qt::AlignCenter, label);
        }
        if (e.verdict) {
            const QString label = Presentation::cause(e.verdict->cause);
            const int w = fm.horizontalAdvance(label) + 8;
            const double lx = x + 4 + w > plot.right() ? x - 4 - w : x + 4;
            const QRectF box(lx, connLane.top() + 1, w, fm.height() + 2);
            p.fillRect(box, pal.color(QPalette::Base));
            p.setPen(dead ? DeadColor : ClosedColor);
            p.drawText(box, Qt::AlignCenter, label);
        }
    }
}

} // namespace longline::app
