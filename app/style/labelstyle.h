#pragma once
// Colours and emphasis for labels without style sheets. A style sheet on a
// widget freezes its font at the size it had when polished, so labels
// styled that way stayed small when the user chose Larger text; palettes
// and fonts that name only what they change keep following the
// application's font.

#include <QColor>

class QWidget;

namespace longline::app {

enum class Tone
{
    Normal,  // the palette's text colour
    Muted,   // secondary explanations
    Good,    // as promised, online
    Caution, // worth a look
    Bad      // broken, dead, unsafe
};

QColor toneColor(Tone tone);
// Text colour only; the rest of the palette stays inherited.
void setTone(QWidget *widget, Tone tone);
// Bold or not, at the inherited size.
void setBold(QWidget *widget, bool bold);
// `scale` times the application's font, now and after every change of it.
void followApplicationFont(QWidget *widget, double scale, bool bold);

} // namespace longline::app
