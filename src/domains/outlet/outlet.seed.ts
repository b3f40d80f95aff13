/**
 * The outlets every instance starts with: those named in the domain reference
 * (`shared/reference/domain.md`: the Nov 2019 Referral Action Day against Amaq and Nashir) and in
 * the product design (Al-Azaim, Al Malaka), with their public names, the spellings and scripts
 * in which bank labels and analysts write them, their parent group and ideology.
 *
 * Public names only: no addresses of real channels (those are added per instance, by the people
 * who work them), no content. Applied at set-up and by `vigil outlet seed`; a seeded outlet that
 * someone edited is never overwritten (`outlet.service.ts`). Pure data.
 */
import type { OutletIdeology } from './outlet.model.ts';

export interface SeedOutlet {
  /** Stable across releases: re-seeding finds its outlet by this key, whatever it is named now. */
  key: string;
  name: string;
  aliases: string[];
  parentGroup: string | null;
  ideology: OutletIdeology | null;
  notes: string;
}

export const OUTLET_SEED: readonly SeedOutlet[] = [
  {
    key: 'amaq',
    name: 'Amaq News Agency',
    aliases: ['Amaq', 'Amaq Agency', 'Amaq News', 'Aamaq', 'Amak', 'Агентство Амак', 'Амак', 'أعماق', 'وكالة أعماق', 'وكالة أعماق الإخبارية'],
    parentGroup: 'Islamic State',
    ideology: 'islamist',
    notes: 'News agency of the Islamic State. Target of the Nov 2019 Europol Referral Action Day.',
  },
  {
    key: 'nashir',
    name: 'Nashir News Agency',
    aliases: ['Nashir', 'Nashir News', 'Nashir Agency', 'Nasher', 'ناشر', 'ناشر نيوز', 'وكالة ناشر', 'وكالة ناشر الإخبارية'],
    parentGroup: 'Islamic State',
    ideology: 'islamist',
    notes: 'Distribution network of Islamic State releases. Target of the Nov 2019 Europol Referral Action Day.',
  },
  {
    key: 'al-azaim',
    name: 'Al-Azaim Foundation',
    aliases: ['Al Azaim', 'Azaim', 'Al-Azaim Media Foundation', 'Al-Azaim Foundation for Media Production', 'Al-Azayim', 'العزائم', 'مؤسسة العزائم', 'مؤسسة العزائم للإنتاج الإعلامي'],
    parentGroup: 'Islamic State Khorasan Province',
    ideology: 'islamist',
    notes: 'Media foundation aligned with the Islamic State Khorasan Province; publishes in Pashto, Dari, Tajik, Uzbek, Urdu and other languages.',
  },
  {
    key: 'al-malaka',
    name: 'Al Malaka',
    aliases: ['Malaka'],
    parentGroup: null,
    ideology: null,
    notes: 'Named in the product design as an outlet example; parent group and ideology not given in the domain reference. Set them once verified.',
  },
];

/**
 * Other names of the parent groups above, so that a bank entry labelled with a group's usual
 * abbreviation (`group: ISIS`) finds that group's outlets.
 */
export const GROUP_ALIASES: readonly { name: string; aliases: readonly string[] }[] = [
  { name: 'Islamic State', aliases: ['IS', 'ISIS', 'ISIL', 'Daesh', 'Daish', 'Dawlah', 'الدولة الإسلامية', 'داعش'] },
  { name: 'Islamic State Khorasan Province', aliases: ['ISKP', 'IS-K', 'ISIS-K', 'ISK', 'Wilayat Khorasan', 'ولاية خراسان'] },
];
