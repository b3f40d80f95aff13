import { describe, expect, it } from 'vitest';
import { detectLanguage, LANGUAGE_DETECT_MAX_CHARS, LANGUAGE_DETECT_MIN_LETTERS } from './language-detect.ts';

/** Neutral sentences written for this test (weather, markets, sport), one per required language. */
const SAMPLES: Record<string, string> = {
  ar: 'الطقس اليوم مشمس ودافئ في معظم المناطق، ومن المتوقع أن تنخفض درجات الحرارة قليلا في المساء مع هبوب رياح خفيفة.',
  ps: 'نن ورځ هوا لمر لرونکې او ګرمه ده، او تمه کېږي چې د ماښام په وخت کې تودوخه لږ څه راټيټه شي.',
  fa: 'هوای امروز در بیشتر مناطق آفتابی و گرم است و انتظار می‌رود دمای هوا در شب کمی کاهش یابد.',
  tg: 'Имрӯз ҳаво дар аксари минтақаҳо офтобӣ ва гарм аст ва интизор меравад, ки ҳарорат бегоҳӣ каме паст шавад.',
  uz: 'Bugun havo koʻpchilik hududlarda quyoshli va iliq boʻladi, kechqurun esa harorat biroz pasayishi kutilmoqda.',
  ur: 'آج زیادہ تر علاقوں میں موسم دھوپ والا اور گرم ہے، اور توقع ہے کہ شام کو درجہ حرارت قدرے کم ہو جائے گا۔',
  bn: 'আজ বেশিরভাগ এলাকায় আবহাওয়া রৌদ্রোজ্জ্বল ও উষ্ণ, এবং সন্ধ্যায় তাপমাত্রা কিছুটা কমে যাবে বলে আশা করা হচ্ছে।',
  ms: 'Cuaca hari ini cerah dan panas di kebanyakan kawasan, dan suhu dijangka turun sedikit pada waktu petang.',
  id: 'Cuaca hari ini cerah dan hangat di sebagian besar wilayah, dan suhu diperkirakan akan sedikit turun pada sore hari.',
  tl: 'Maaraw at mainit ang panahon ngayong araw sa karamihan ng mga lugar, at inaasahang bahagyang bababa ang temperatura sa gabi.',
  ru: 'Сегодня на бирже акции промышленных компаний немного выросли, а курс рубля почти не изменился к концу торгов.',
  tr: 'Yerel takım dün akşamki maçı iki golle kazandı ve ligde ikinci sıraya yükseldi, taraftarlar çok mutluydu.',
  fr: "Aujourd'hui, le temps est ensoleillé et doux dans la plupart des régions, et les températures devraient baisser légèrement ce soir.",
  de: 'Die heimische Mannschaft gewann das Spiel am Samstag mit zwei Toren und steht nun auf dem zweiten Tabellenplatz.',
  en: 'Share prices on the exchange rose slightly this morning, while the currency stayed almost unchanged by the close of trading.',
};

describe('detectLanguage', () => {
  it.each(Object.entries(SAMPLES))('detects %s', async (language, text) => {
    const got = await detectLanguage(text);
    expect(got?.language).toBe(language);
    expect(got!.probability).toBeGreaterThanOrEqual(0.7);
    expect(got!.probability).toBeLessThanOrEqual(1);
  });

  it('keeps Malay and Indonesian apart and reports Tagalog as tl, not cld3’s fil', async () => {
    expect((await detectLanguage(SAMPLES.ms!))?.language).toBe('ms');
    expect((await detectLanguage(SAMPLES.id!))?.language).toBe('id');
    expect((await detectLanguage(SAMPLES.tl!))?.language).not.toBe('fil');
  });

  it('gives null below the minimum number of letters, however reliable cld3 claims to be', async () => {
    expect(await detectLanguage('hello')).toBeNull();
    expect(await detectLanguage('')).toBeNull();
    // Digits, punctuation and spaces are not letters.
    expect(await detectLanguage(`${'12345 67890, '.repeat(50)}weather`)).toBeNull();
    const justShort = 'The weather is mild and sunny today here'.replace(/\s/g, '').slice(0, LANGUAGE_DETECT_MIN_LETTERS - 1);
    expect(await detectLanguage(justShort)).toBeNull();
  });

  it('looks only at the bounded opening of a long text', async () => {
    const long = `${SAMPLES.de!} `.repeat(Math.ceil(LANGUAGE_DETECT_MAX_CHARS / SAMPLES.de!.length) + 1) + SAMPLES.en!.repeat(200);
    expect((await detectLanguage(long))?.language).toBe('de');
  });
});
