/**
 * Three short study texts written for this benchmark (public domain, CC0), with ten questions
 * each. A question is answered when a retrieved passage contains its `answer` phrase. The
 * questions paraphrase the text on purpose: few share their key words with the answer.
 */
export interface StudyText {
  courseId: string;
  filename: string;
  markdown: string;
  questions: { question: string; answer: string }[];
}

export const STUDY_TEXTS: StudyText[] = [
  {
    courseId: 'biology',
    filename: 'cells.md',
    markdown: `# The Cell

## The Nucleus

The nucleus holds the cell's DNA, organised into chromosomes. It is wrapped in a double membrane called the nuclear envelope, whose pores let RNA leave for the cytoplasm. Inside it, the nucleolus assembles the subunits of ribosomes.

## Mitochondria

Mitochondria carry out cellular respiration, turning glucose and oxygen into ATP, the molecule that powers most work in the cell. They keep a small circular genome of their own, a sign that they descend from free-living bacteria. A muscle cell can contain thousands of them.

## Ribosomes and Protein Synthesis

Ribosomes translate messenger RNA into chains of amino acids. Transfer RNA molecules bring each amino acid and match it to a codon, a group of three bases. Ribosomes attached to the rough endoplasmic reticulum make proteins that will be exported from the cell.

## The Cell Membrane

The plasma membrane is a double layer of phospholipids with proteins embedded in it. Water and small uncharged molecules cross it freely, while ions need channels or pumps. The sodium-potassium pump uses ATP to push three sodium ions out for every two potassium ions it brings in.

## Photosynthesis

Chloroplasts capture light energy with the green pigment chlorophyll. In the light reactions, water is split and oxygen is released as a by-product. The Calvin cycle, in the stroma, uses that energy to fix carbon dioxide into sugar.
`,
    questions: [
      { question: 'Where is the genetic material of a cell kept?', answer: "holds the cell's DNA" },
      { question: 'How does RNA get out of the nucleus?', answer: 'pores let RNA leave' },
      { question: 'Which structure builds the parts of ribosomes?', answer: 'nucleolus assembles' },
      {
        question: 'What organelle makes the energy currency of the cell?',
        answer: 'Mitochondria carry out cellular respiration',
      },
      {
        question: 'Why do scientists think mitochondria were once bacteria?',
        answer: 'circular genome',
      },
      { question: 'What carries amino acids to the ribosome?', answer: 'Transfer RNA' },
      { question: 'How many bases make up one codon?', answer: 'three bases' },
      {
        question: 'How do charged particles get across the membrane?',
        answer: 'ions need channels or pumps',
      },
      {
        question: 'What does the sodium potassium pump exchange?',
        answer: 'three sodium ions out',
      },
      { question: 'Where does oxygen come from during photosynthesis?', answer: 'water is split' },
    ],
  },
  {
    courseId: 'history',
    filename: 'revolution.md',
    markdown: `# The French Revolution

## Causes

By the 1780s the French crown was deeply in debt, partly from paying for the American War of Independence. Bad harvests in 1788 doubled the price of bread in Paris. The king called the Estates-General in May 1789, for the first time since 1614.

## The National Assembly

The Third Estate, representing the commoners, declared itself the National Assembly in June 1789. Locked out of their hall, its deputies met on a tennis court and swore not to separate until France had a constitution.

## The Bastille

On 14 July 1789 a Paris crowd stormed the Bastille, a fortress-prison seen as a symbol of royal tyranny, looking for gunpowder. The governor was killed. The date became France's national holiday.

## The Rights of Man

In August 1789 the Assembly abolished feudal privileges and adopted the Declaration of the Rights of Man and of the Citizen. It proclaimed that men are born free and equal in rights, and that sovereignty rests with the nation.

## The Terror

After the king was executed in January 1793, the Committee of Public Safety led by Robespierre ran the Reign of Terror. Tens of thousands were executed as suspected enemies of the Revolution. Robespierre himself was guillotined in July 1794.
`,
    questions: [
      { question: 'Why was the French government short of money?', answer: 'deeply in debt' },
      {
        question: 'What happened to food prices before the revolution?',
        answer: 'doubled the price of bread',
      },
      { question: 'When had the Estates-General last met before 1789?', answer: 'since 1614' },
      { question: 'Which group renamed itself the National Assembly?', answer: 'The Third Estate' },
      { question: 'What was the oath sworn on the sports court about?', answer: 'tennis court' },
      {
        question: 'What were the crowd searching for in the fortress?',
        answer: 'looking for gunpowder',
      },
      { question: 'Why is 14 July celebrated in France?', answer: 'national holiday' },
      {
        question: 'What did the 1789 declaration say about equality?',
        answer: 'born free and equal',
      },
      { question: 'Who led the Committee of Public Safety?', answer: 'led by Robespierre' },
      { question: 'How did Robespierre die?', answer: 'Robespierre himself was guillotined' },
    ],
  },
  {
    courseId: 'physics',
    filename: 'motion.md',
    markdown: `# Forces and Motion

## Newton's First Law

An object stays at rest, or keeps moving in a straight line at constant speed, unless a net force acts on it. This resistance to changes in motion is called inertia, and it grows with mass.

## Newton's Second Law

The acceleration of an object equals the net force on it divided by its mass. Force is measured in newtons: one newton accelerates one kilogram by one metre per second squared.

## Newton's Third Law

When one body pushes on another, the second pushes back with a force equal in size and opposite in direction. A rocket moves forward because its exhaust gases are pushed backward.

## Gravity

Near the Earth's surface every falling object accelerates at about 9.8 metres per second squared, whatever its mass, if air resistance is ignored. Weight is the force of gravity on a mass, so a 10 kilogram bag weighs about 98 newtons.

## Friction

Friction opposes sliding between surfaces in contact. Static friction must be overcome to start an object moving and is usually larger than kinetic friction, which acts once it slides. Lubricants such as oil reduce friction.
`,
    questions: [
      { question: 'What keeps a moving object going if nothing acts on it?', answer: 'inertia' },
      {
        question: 'Does a heavier object resist changes in its motion more?',
        answer: 'it grows with mass',
      },
      {
        question: 'How do you work out acceleration from force and mass?',
        answer: 'divided by its mass',
      },
      { question: 'What is the unit of force?', answer: 'measured in newtons' },
      {
        question: 'What happens when you push on something?',
        answer: 'equal in size and opposite in direction',
      },
      { question: 'How does a rocket propel itself?', answer: 'exhaust gases are pushed backward' },
      {
        question: 'How fast do dropped things speed up near the ground?',
        answer: '9.8 metres per second squared',
      },
      { question: 'How heavy is a ten kilogram bag in newtons?', answer: '98 newtons' },
      {
        question: 'Is it harder to start something sliding or to keep it sliding?',
        answer: 'usually larger than kinetic friction',
      },
      {
        question: 'How can you make surfaces slide more easily?',
        answer: 'Lubricants such as oil',
      },
    ],
  },
];
