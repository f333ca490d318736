#include "timelinewidget.h"

#include "heartbeatmonitor.h"
#include "presentation.h"
#include "timelinemodel.h"

#include <QPainter>
#include <QPainterPath>
#include <algorithm>
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

// The spans a fitted timeline chooses from, shortest first.
constexpr qint64 FitSpans[] = {30000, 60000, 120000, 300000, 600000, 900000};
// Room around the story a fitted span leaves: a quarter more, and 5 s.
constexpr double FitMargin = 1.25;
constexpr Millis FitLead{5000};
// Ticks at least this many label widths apart.
constexpr double TickSpacing = 1.5;
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

Millis TimelineWidget::shownSpan(Millis now) const
{
    if (m_span != FitSpan)
        return m_span;
    const auto &events = m_model->events();
    for (auto e = events.crbegin(); e != events.crend(); ++e) {
        if (e->type != TimelineEvent::Type::Dead)
            continue;
        const Millis story = now - e->lastHeard.value_or(e->at);
        const double needed = story.count() * FitMargin + FitLead.count();
        for (qint64 span : FitSpans) {
            if (span >= needed)
                return Millis{span};
        }
        return Millis{FitSpans[std::size(FitSpans) - 1]};
    }
    return Millis{60000};
}

Millis TimelineWidget::tickStep(Millis span, int plotWidth, int labelWidth)
{
    static const qint64 steps[] = {1000,  2000,  5000,   10000,  15000,
                                   30000, 60000, 120000, 300000, 600000};
    for (qint64 s : steps) {
        const double apart = double(s) / double(span.count()) * plotWidth;
        if (apart >= labelWidth * TickSpacing)
            return Millis{s};
    }
    return span;
}

// In units of the font's line height: a label strip above the lanes, three
// lanes of two lines each (the connection lane holds its bar and, below
// it, the cause), and the axis.
QSize TimelineWidget::sizeHint() const
{
    const int line = fontMetrics().height();
    return {line * 24, line * 10};
}

QSize TimelineWidget::minimumSizeHint() const
{
    const int line = fontMetrics().height();
    return {line * 14, line * 9};
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
    const int line = fm.height();
    // Markers grow with the text: a third of a line is the unit.
    const double unit = line / 3.0;
    m_painted = {};

    p.fillRect(rect(), pal.color(QPalette::Base));
    p.setPen(pal.color(QPalette::Mid));
    p.drawRect(rect().adjusted(0, 0, -1, -1));

    const QString laneNames[] = {tr("Heartbeat"), tr("Keepalive"), tr("Connection")};
    int gutter = 0;
    for (const QString &n : laneNames)
        gutter = std::max(gutter, fm.horizontalAdvance(n));
    gutter += line;
    const int labelH = line + 2;
    const int stripH = labelH + 2; // labels above the lanes
    const int axisH = line + 4;
    const QRect plot(gutter, stripH, width() - gutter - line / 2, height() - stripH - axisH);
    if (plot.width() < 20 || plot.height() < 20)
        return;
    const QRect strip(plot.left(), 1, plot.width(), stripH - 1);
    const int laneH = plot.height() / 3;
    auto laneRect = [&](int i) {
        return QRect(plot.left(), plot.top() + i * laneH, plot.width(), laneH);
    };

    const Millis now = monotonicNow();
    const Millis span = shownSpan(now);
    const Millis start = now - span;
    auto xOf = [&](Millis t) {
        return plot.left() + double((t - start).count()) / double(span.count()) * plot.width();
    };
    // A label goes to the first place that covers no marker and no other
    // label; an optional one with no such place is left out.
    auto place = [&](const QString &text, const QList<QRectF> &places, const QColor &color,
                     Qt::Alignment align = Qt::AlignCenter) {
        for (const QRectF &r : places) {
            if (r.left() < 1 || r.right() > width() - 1)
                continue;
            const auto covers = [&](const QRectF &other) { return r.intersects(other); };
            if (std::any_of(m_painted.markers.cbegin(), m_painted.markers.cend(), covers) ||
                std::any_of(m_painted.labels.cbegin(), m_painted.labels.cend(), covers))
                continue;
            p.fillRect(r, pal.color(QPalette::Base));
            p.setPen(color);
            p.drawText(r, align, text);
            m_painted.labels << r;
            return true;
        }
        return false;
    };
    const auto textWidth = [&](const QString &text) { return fm.horizontalAdvance(text) + 6; };

    // Lanes, their names and the time grid.
    for (int i = 0; i < 3; ++i) {
        const QRect lr = laneRect(i);
        if (i % 2 == 1)
            p.fillRect(lr, pal.color(QPalette::AlternateBase));
        const QRect name(6, lr.top(), gutter - 10, lr.height());
        p.setPen(pal.color(QPalette::Text));
        p.drawText(name, Qt::AlignLeft | Qt::AlignVCenter, laneNames[i]);
        m_painted.labels << QRectF(name.left(), lr.center().y() - line / 2.0,
                                   fm.horizontalAdvance(laneNames[i]), line);
    }
    const int widestTick = fm.horizontalAdvance(Presentation::axisLabel(span));
    const Millis step = tickStep(span, plot.width(), widestTick);
    // Labels right to left from "now"; one that would touch the previous
    // is left out (its grid line stays).
    const int labelGap = fm.horizontalAdvance(QLatin1Char(' '));
    double freeRight = std::numeric_limits<double>::max();
    for (Millis ago{0}; ago <= span; ago += step) {
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
        m_painted.labels << QRectF(lx, plot.bottom() + 3, w, line);
        freeRight = lx;
    }

    const auto &events = m_model->events();
    // Connection lane: a green bar along its top while up, ended by a death
    // or a close; the cause is written under it.
    const QRect connLane = laneRect(2);
    const double barH = std::max(4.0, unit * 1.4);
    const double barY = connLane.top() + unit;
    std::optional<Millis> upSince;
    auto drawUp = [&](Millis from, Millis to) {
        if (to < start)
            return;
        const double x1 = xOf(std::max(from, start));
        const double x2 = xOf(std::min(to, now));
        const QRectF bar(x1, barY, std::max(1.0, x2 - x1), barH);
        p.fillRect(bar, UpColor);
        m_painted.markers << bar;
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
    const double dot = unit * 0.5;
    const double baseY = hbLane.bottom() - unit;
    const double stemMax = hbLane.height() - 2.5 * unit;
    for (const auto &e : events) {
        if (e.type != TimelineEvent::Type::Ping || e.at < start)
            continue;
        const double x = xOf(e.at);
        if (e.rtt) {
            const double h =
                unit + double(e.rtt->count()) / double(maxRtt.count()) * (stemMax - unit);
            p.setPen(QPen(PingColor, std::max(2.0, unit / 3)));
            p.drawLine(QPointF(x, baseY), QPointF(x, baseY - h));
            p.setBrush(PingColor);
            p.drawEllipse(QPointF(x, baseY - h), dot, dot);
            m_painted.markers << QRectF(x - dot, baseY - h - dot, 2 * dot, h + 2 * dot);
        } else {
            const double r = unit * 0.7;
            p.setPen(QPen(e.lost ? LostColor : dim, std::max(1.5, unit / 4)));
            p.setBrush(Qt::NoBrush);
            p.drawEllipse(QPointF(x, baseY - r), r, r);
            m_painted.markers << QRectF(x - r, baseY - 2 * r, 2 * r, 2 * r);
        }
    }

    // Keepalive lane: answered probes green, unanswered ones orange with
    // the number of probes outstanding.
    const QRect kaLane = laneRect(1);
    const double ky = kaLane.center().y();
    struct Unanswered
    {
        double x;
        int count;
    };
    QList<Unanswered> unanswered;
    for (const auto &e : events) {
        if (e.at < start)
            continue;
        const double x = xOf(e.at);
        if (e.type == TimelineEvent::Type::ProbeAnswered) {
            QPainterPath diamond;
            diamond.moveTo(x, ky - unit);
            diamond.lineTo(x + unit, ky);
            diamond.lineTo(x, ky + unit);
            diamond.lineTo(x - unit, ky);
            diamond.closeSubpath();
            p.fillPath(diamond, ProbeOkColor);
            m_painted.markers << diamond.boundingRect();
        } else if (e.type == TimelineEvent::Type::ProbeUnanswered) {
            const double r = unit * 1.15;
            QPainterPath tri;
            tri.moveTo(x, ky - r);
            tri.lineTo(x + r, ky + r);
            tri.lineTo(x - r, ky + r);
            tri.closeSubpath();
            p.fillPath(tri, ProbeWaitColor);
            m_painted.markers << tri.boundingRect();
            unanswered.append({x + r, e.count});
        }
    }

    // Deaths and closes cross every lane; the last byte before a death
    // gets a dashed line: the story runs from there to the death.
    struct Ending
    {
        double x;
        std::optional<double> lastByteX;
        QString cause;
        QColor color;
    };
    QList<Ending> endings;
    for (const auto &e : events) {
        if ((e.type != TimelineEvent::Type::Dead && e.type != TimelineEvent::Type::Closed) ||
            e.at < start)
            continue;
        const bool dead = e.type == TimelineEvent::Type::Dead;
        Ending ending{xOf(e.at), std::nullopt, QString(), dead ? DeadColor : ClosedColor};
        p.setPen(QPen(ending.color, std::max(dead ? 2.5 : 1.5, unit / 2.5),
                      dead ? Qt::SolidLine : Qt::DashLine));
        p.drawLine(QPointF(ending.x, plot.top()), QPointF(ending.x, plot.bottom()));
        if (e.lastHeard && *e.lastHeard >= start) {
            ending.lastByteX = xOf(*e.lastHeard);
            p.setPen(QPen(DeadColor, std::max(1.5, unit / 4), Qt::DashLine));
            p.drawLine(QPointF(*ending.lastByteX, strip.top()),
                       QPointF(*ending.lastByteX, plot.bottom()));
        }
        if (e.verdict)
            ending.cause = Presentation::cause(e.verdict->cause);
        endings << ending;
    }

    // Labels, the ones the story needs first. "last byte" in the strip
    // above the lanes, ending at its line (or starting there); the cause
    // under the connection bar beside the death line, or in the strip.
    const double causeY = barY + barH + 2;
    for (const Ending &e : std::as_const(endings)) {
        if (!e.lastByteX)
            continue;
        const QString label = tr("last byte");
        const int w = textWidth(label);
        const double lx = *e.lastByteX;
        place(label,
              {QRectF(lx - 3 - w, strip.top(), w, labelH), QRectF(lx + 3, strip.top(), w, labelH)},
              DeadColor);
    }
    for (const Ending &e : std::as_const(endings)) {
        if (e.cause.isEmpty())
            continue;
        const int w = textWidth(e.cause);
        place(e.cause,
              {QRectF(e.x - 4 - w, causeY, w, labelH), QRectF(e.x + 4, causeY, w, labelH),
               QRectF(e.x - 4 - w, strip.top(), w, labelH),
               QRectF(std::max<double>(plot.left(), plot.right() - w), causeY, w, labelH)},
              e.color);
    }
    if (anyRtt) {
        const QString label = tr("max %1").arg(Presentation::rtt(double(maxRtt.count())));
        const int w = textWidth(label);
        place(label,
              {QRectF(plot.left() + 2, strip.top(), w, labelH),
               QRectF(plot.left() + 2, hbLane.top() + 1, w, labelH)},
              dim, Qt::AlignLeft | Qt::AlignVCenter);
    }
    for (const Unanswered &u : std::as_const(unanswered)) {
        const QString label = QString::number(u.count);
        const int w = textWidth(label);
        place(label, {QRectF(u.x + 1, ky - labelH / 2.0, w, labelH)}, dim);
    }
}

} // namespace longline::app
