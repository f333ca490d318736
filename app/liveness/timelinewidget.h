#pragma once
// Draws the TimelineModel as three lanes over the last minute or so:
// heartbeat round trips, keepalive probe exchanges and the connection's
// life (up, declared dead, closed). "Now" is the right edge.

#include "livenesssettings.h"

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

    void setSpan(Millis span);
    Millis span() const { return m_span; }

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    TimelineModel *m_model;
    Millis m_span{60000};
    QTimer m_repaint;
};

} // namespace longline::app
