#pragma once
// Draws the TimelineModel as three lanes over the last minute or so:
// heartbeat round trips, keepalive probe exchanges and the connection's
// life (up, declared dead, closed). "Now" is the right edge. Labels sit in
// their own strips (above the lanes, under the connection bar), never on a
// marker, and everything is sized from the font so Larger text grows it.

#include "livenesssettings.h"

#include <QList>
#include <QRectF>
#include <QTimer>
#include <QWidget>

namespace longline::app {

class TimelineModel;

class TimelineWidget : public QWidget
{
    Q_OBJECT
public:
    // How often the picture scrolls while visible.
    static constexpr Millis RepaintPeriod{250};

    explicit TimelineWidget(TimelineModel *model, QWidget *parent = nullptr);

    // Zero (the default) fits the span to the story: the last minute, or
    // from a little before the last byte of the latest death until now.
    static constexpr Millis FitSpan{0};
    void setSpan(Millis span);
    Millis span() const { return m_span; }
    // The span drawn at `now`: setSpan's, or the fitted one.
    Millis shownSpan(Millis now) const;
    // A tick step whose labels (`labelWidth` px wide) fit `plotWidth`.
    static Millis tickStep(Millis span, int plotWidth, int labelWidth);

    // Where the last paint put its labels and its markers, in widget
    // coordinates: tests check that no label covers a marker.
    struct PaintedItems
    {
        QList<QRectF> labels;
        QList<QRectF> markers;
    };
    const PaintedItems &painted() const { return m_painted; }

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    TimelineModel *m_model;
    Millis m_span = FitSpan;
    QTimer m_repaint;
    PaintedItems m_painted;
};

} // namespace longline::app
