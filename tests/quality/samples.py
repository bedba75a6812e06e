"""Hand-written prose samples per reading level and language: the calibration set of the reading-level gate
(`bookgen.quality.reading_level.BANDS`) and the false-positive check of the other gates.

The English and Spanish sets hold three samples per level (a quiet scene, an adventure, a comic one; the Spanish
ones are close translations, so the two formulas are compared on the same content); French and German hold one
per level. Every sample is written for its level: early-reader = 5–7 years, short sentences and everyday words;
middle-grade = 8–12; young-adult = 13–17; adult = literary, genre and non-fiction prose.
"""

from __future__ import annotations

EN = {
    "early-reader": [
        "Maya has a red kite. The kite is big. It has a long tail. Maya runs up the hill with her dog, Bo. The "
        "wind is strong today. \"Up, up, up!\" says Maya. The kite goes up into the sky. It flies over the trees. "
        "It flies over the pond. Bo barks at the kite. He wants to catch it. \"You can't catch it, Bo,\" Maya "
        "laughs. \"It is too high!\" Then the wind stops. The kite comes down, down, down. It lands in a tall "
        "tree. Oh no! Maya looks up. Bo looks up too. A bird sits next to the kite. The bird pulls the string "
        "with its beak. The kite falls into Maya's arms. \"Thank you, bird!\" she says.",
        "Sam and his cat, Pip, like to play in the garden. Today they find a little box under a bush. The box is "
        "blue. It has a gold lock. \"What is in it?\" asks Sam. Pip sniffs the box. Sam shakes it. Something "
        "inside goes clink. Sam runs to get Grandma. Grandma has a big ring of keys. She tries one key. No. She "
        "tries two keys. No. The third key turns. Click! The box opens. Inside there are six shiny stones and a "
        "note. The note says, \"For the next one who finds me.\" Sam smiles. He keeps one stone. Then he puts the "
        "box back under the bush for someone new.",
        "Leo loves dinosaurs. He has a big book about them. Every night, he reads one page with Dad. Tonight they "
        "read about a dinosaur with a long neck. \"It ate leaves from the top of the trees,\" says Dad. Leo looks "
        "out the window. He sees a tall tree in the yard. He sees a long shadow, too. Is it a neck? Leo holds his "
        "breath. The shadow moves. It comes close to the glass. Leo hides under his blanket. Then he peeks out. "
        "It is not a dinosaur. It is Mom with a lamp! She is looking for the cat. Leo laughs and laughs. \"I "
        "thought you were a dinosaur,\" he says. Mom gives him a hug. \"Only a small one,\" she says.",
    ],
    "middle-grade": [
        "The message arrived on a Tuesday, tucked inside a library book that nobody had borrowed in forty years. "
        "Priya found it by accident while she was looking for something, anything, to read about volcanoes. The "
        "paper was yellow and soft, folded into a tight square, and the handwriting sloped to the left as if the "
        "writer had been in a hurry. \"If you are reading this,\" it began, \"then the clock in the town hall is "
        "about to stop again.\" Priya glanced out of the window. Across the square, the great clock said twelve "
        "minutes past three, exactly as it always did. She had never thought about it before, but now she "
        "realized that she could not remember it ever saying anything else. Her stomach gave a small, nervous "
        "flip.",
        "By the time the rain started, the four of them had already argued about the map twice. Marcus insisted "
        "that the trail turned east after the old bridge, while Jada was certain they should follow the river "
        "until it split. Nobody wanted to admit that they were lost, and nobody wanted to be the first to suggest "
        "turning back. Then the thunder cracked directly above them, so loud that Ellie dropped her flashlight "
        "into the mud. When she picked it up, the beam landed on something half hidden between two boulders: a "
        "metal door, rusted orange at the edges, set straight into the side of the hill. There was no handle, "
        "only a round dial covered in strange symbols. \"Well,\" said Marcus slowly, \"that definitely wasn't on "
        "the map.\"",
        "Robots were not allowed in the school science fair, which was exactly why Theo had spent three months "
        "building one. Technically, he told himself, Gizmo was not a robot. It was a \"mobile experimental "
        "assistant,\" which sounded much more scientific and was not mentioned anywhere in the rules. Gizmo could "
        "roll across a table, pick up a pencil, and recognize eleven different kinds of fruit, although it had a "
        "worrying habit of confusing lemons with tennis balls. On the morning of the fair, Theo carried it into "
        "the gym hidden inside a cardboard box labelled FRAGILE: VOLCANO. Everything was going perfectly until "
        "Mrs. Alvarez, the principal, bent down to admire his display, and Gizmo politely handed her a banana.",
    ],
    "young-adult": [
        "Nobody tells you that grief has a sound. For me, it was the particular silence of our kitchen at seven "
        "in the morning, when Mom should have been clattering around looking for her keys and complaining about "
        "the traffic on Route 9. Instead there was only the refrigerator humming and my brother chewing cereal "
        "with exaggerated care, as if making noise might break something else. I poured coffee I didn't want and "
        "stared at the calendar on the wall, still turned to March. Somebody needed to flip the page. Somebody "
        "needed to do a lot of things, and I was beginning to understand, with a slow and sinking certainty, that "
        "the somebody was going to be me. I was seventeen, and I had absolutely no idea how to be anyone's "
        "parent.",
        "The city looked different from the roof of the abandoned observatory, less like a machine and more like "
        "something alive, its streets pulsing with light as the evening shift changed. Kai sat with her legs "
        "dangling over the edge, ignoring the rational part of her brain that kept calculating the fall. Below "
        "her, drones drifted between the towers like patient jellyfish, scanning faces, logging movements, "
        "building the enormous invisible ledger that decided who was trustworthy and who was not. Her own score "
        "had dropped eleven points since Friday. She still didn't know why, and that uncertainty frightened her "
        "more than any official warning could have. When Ren finally climbed through the hatch, breathless and "
        "grinning, she almost didn't want to hear what he had discovered.",
        "Ethan had rehearsed the conversation so many times that the words had lost their meaning, like a song "
        "played on repeat until the lyrics dissolve into noise. He would walk up to Sofia after practice, "
        "compliment her serve, and casually mention the concert on Saturday. Simple. Reasonable. Entirely within "
        "the capabilities of a functioning human being. Yet when the whistle blew and she jogged past him, "
        "ponytail swinging, laughing at something her teammate had said, his carefully constructed plan "
        "collapsed instantly. He managed a strange half wave that looked more like he was swatting a mosquito. "
        "Sofia raised an eyebrow, amused rather than unkind, and for one long, mortifying moment Ethan seriously "
        "considered transferring to another school, possibly on another continent.",
    ],
    "adult": [
        "The house on Alder Street had been in the family for three generations, and in that time it had "
        "absorbed a remarkable quantity of unspoken disappointment. Margaret could feel it in the warped "
        "floorboards of the hallway, in the wallpaper her mother had chosen in 1974 and never forgiven herself "
        "for, in the locked drawer of the writing desk that nobody had opened since her father's funeral. She "
        "had come back to sell it, or so she had told her colleagues, her accountant, and the pleasant young "
        "estate agent who kept sending optimistic emails about the current market. The truth was more "
        "complicated and considerably less flattering. She had come back because, at fifty-two, she had finally "
        "run out of places to hide from the questions the house had always asked her.",
        "Compound interest is often described as the eighth wonder of the world, but the principle behind it is "
        "remarkably ordinary. When your savings earn interest, and that interest is added to the balance, the "
        "next period's interest is calculated on a slightly larger amount. Over a single year the difference "
        "appears negligible. Over several decades, however, the effect becomes substantial, because growth "
        "accumulates on top of previous growth. Consider a gardener who saves seeds from each harvest and plants "
        "them the following spring. The first season yields a modest crop, yet every subsequent season begins "
        "with more seeds than the last. Financial planning works the same way: consistency and time matter "
        "considerably more than the size of any individual contribution or the precise timing of the market.",
        "Detective Inspector Rachel Hume arrived at the marina shortly after midnight, when the fog had already "
        "swallowed the harbour lights and reduced the moored yachts to grey, uncertain shapes. The uniformed "
        "constable at the cordon looked relieved to see her, which was rarely a good sign. The body had been "
        "discovered by a night watchman making his irregular rounds, wedged between the hull of an expensive "
        "sailing boat and the wooden pontoon, as though someone had attempted to conceal it in a hurry and "
        "abandoned the effort halfway through. Hume crouched beside the tarpaulin, noting the expensive watch, "
        "the absence of a wallet, and the peculiar bruising around the wrists. Robbery, the constable suggested "
        "hopefully. Hume doubted it very much indeed.",
    ],
}

ES = {
    "early-reader": [
        "Lucía tiene un perro. El perro se llama Toto. Toto es pequeño y marrón. Le gusta correr en el parque. Un "
        "día, Toto ve una pelota roja. La pelota está en el agua. \"¡No, Toto!\", dice Lucía. Pero Toto salta al "
        "agua. ¡Plaf! Toto nada y nada. Coge la pelota con la boca. Luego sale del agua. Está muy mojado. Toto se "
        "sacude. ¡Ahora Lucía también está mojada! Lucía se ríe mucho. \"Eres un perro muy malo\", dice. Pero le "
        "da un beso en la cabeza. Los dos van a casa. Mamá les da una toalla grande. Toto se duerme en la toalla. "
        "Lucía se duerme a su lado.",
        "Pablo quiere ver la luna. Pero la luna no está. \"¿Dónde está la luna?\", pregunta Pablo. Su abuela mira "
        "el cielo. \"Está detrás de las nubes\", dice. Pablo espera. Mira por la ventana. Las nubes son grises y "
        "grandes. Pasa un gato por el tejado. Pasa un búho por el árbol. Pero la luna no sale. Pablo tiene sueño. "
        "Cierra los ojos un poco. De pronto, la abuela dice: \"¡Mira, Pablo!\" Pablo abre los ojos. Las nubes se "
        "van. Allí está la luna, redonda y blanca. Parece una galleta en el cielo. \"Buenas noches, luna\", dice "
        "Pablo. Y se va a la cama contento.",
        "Ana y su hermano Leo van a la playa. Llevan un cubo y una pala. Hace sol y el mar está azul. Leo hace un "
        "castillo de arena. Ana busca conchas. Encuentra una concha blanca y otra rosa. Luego ve un cangrejo. El "
        "cangrejo camina de lado. \"¡Qué risa!\", dice Ana. El cangrejo entra en el castillo de Leo. \"¡Eh, es mi "
        "castillo!\", dice Leo. Pero el cangrejo no se va. Se queda en la torre. Leo y Ana se sientan a mirar. El "
        "cangrejo parece un rey pequeño. \"Vale\", dice Leo. \"Puede ser tu castillo.\" Al final del día, los "
        "niños dicen adiós al rey cangrejo.",
    ],
    "middle-grade": [
        "El mensaje apareció un martes, escondido dentro de un libro de la biblioteca que nadie había pedido en "
        "cuarenta años. Mateo lo encontró por casualidad mientras buscaba algo, cualquier cosa, sobre volcanes. "
        "El papel estaba amarillo y blando, doblado en un cuadrado muy pequeño, y la letra se inclinaba hacia la "
        "izquierda, como si quien lo escribió tuviera mucha prisa. \"Si estás leyendo esto\", decía, \"el reloj "
        "del ayuntamiento está a punto de pararse otra vez\". Mateo miró por la ventana. Al otro lado de la "
        "plaza, el gran reloj marcaba las tres y doce, exactamente como siempre. Nunca se había fijado, pero "
        "ahora se dio cuenta de que no recordaba haberlo visto marcar otra hora. Sintió un pequeño nudo en el "
        "estómago.",
        "Cuando empezó a llover, los cuatro amigos ya habían discutido dos veces sobre el mapa. Marcos insistía "
        "en que el sendero giraba hacia el este después del puente viejo, mientras que Julia estaba segura de que "
        "había que seguir el río hasta que se dividiera. Nadie quería admitir que estaban perdidos, y nadie "
        "quería ser el primero en proponer volver. Entonces un trueno retumbó justo encima de ellos, tan fuerte "
        "que Elena dejó caer su linterna en el barro. Cuando la recogió, la luz iluminó algo medio escondido "
        "entre dos rocas: una puerta de metal, oxidada por los bordes, clavada en la ladera de la colina. No "
        "tenía manilla, solo una rueda llena de símbolos extraños. \"Bueno\", dijo Marcos despacio, \"eso no "
        "estaba en el mapa\".",
        "Los robots estaban prohibidos en la feria de ciencias del colegio, y precisamente por eso Teo había "
        "pasado tres meses construyendo uno. Técnicamente, se decía a sí mismo, Chispa no era un robot. Era un "
        "\"asistente experimental móvil\", que sonaba mucho más científico y no aparecía en ninguna parte del "
        "reglamento. Chispa podía rodar por una mesa, levantar un lápiz y reconocer once tipos de fruta, aunque "
        "tenía la preocupante costumbre de confundir los limones con pelotas de tenis. La mañana de la feria, Teo "
        "lo llevó al gimnasio escondido en una caja de cartón con la etiqueta FRÁGIL: VOLCÁN. Todo iba "
        "perfectamente hasta que la directora se inclinó para admirar su proyecto y Chispa, muy educado, le "
        "ofreció un plátano.",
    ],
    "young-adult": [
        "Nadie te cuenta que el duelo tiene un sonido. Para mí era el silencio particular de nuestra cocina a "
        "las siete de la mañana, cuando mamá debería haber estado buscando las llaves y quejándose del tráfico "
        "de la autopista. En cambio, solo se oía el zumbido de la nevera y a mi hermano masticando los cereales "
        "con un cuidado exagerado, como si hacer ruido pudiera romper algo más. Me serví un café que no quería y "
        "me quedé mirando el calendario de la pared, todavía en marzo. Alguien tenía que cambiar la página. "
        "Alguien tenía que hacer muchas cosas, y empezaba a comprender, con una certeza lenta y pesada, que ese "
        "alguien iba a ser yo. Tenía diecisiete años y no tenía ni idea de cómo ser la madre de nadie.",
        "Desde la azotea del observatorio abandonado, la ciudad parecía distinta, menos una máquina y más un "
        "organismo vivo, con sus calles latiendo de luz mientras cambiaba el turno de la noche. Kai estaba "
        "sentada con las piernas colgando sobre el borde, ignorando la parte racional de su cerebro que no "
        "dejaba de calcular la caída. Abajo, los drones flotaban entre las torres como medusas pacientes, "
        "escaneando rostros, registrando movimientos, construyendo el enorme registro invisible que decidía "
        "quién era de fiar y quién no. Su propia puntuación había bajado once puntos desde el viernes. Todavía "
        "no sabía por qué, y esa incertidumbre la asustaba más que cualquier advertencia oficial.",
        "Ethan había ensayado la conversación tantas veces que las palabras habían perdido su significado, como "
        "una canción repetida hasta que la letra se convierte en ruido. Se acercaría a Sofía después del "
        "entrenamiento, le diría algo sobre su saque y mencionaría, como quien no quiere la cosa, el concierto "
        "del sábado. Sencillo. Razonable. Perfectamente al alcance de cualquier ser humano. Sin embargo, cuando "
        "sonó el silbato y ella pasó corriendo a su lado, riéndose de algo que había dicho una compañera, su "
        "plan se derrumbó al instante. Solo consiguió hacer un extraño medio saludo que parecía más bien un "
        "intento de espantar un mosquito. Sofía levantó una ceja, divertida, y durante un largo y humillante "
        "momento Ethan pensó seriamente en cambiarse de colegio.",
    ],
    "adult": [
        "La casa de la calle Alder había pertenecido a la familia durante tres generaciones, y en ese tiempo "
        "había absorbido una cantidad extraordinaria de decepciones nunca pronunciadas. Margarita podía "
        "percibirlas en las tablas combadas del pasillo, en el papel pintado que su madre había elegido en 1974 "
        "y que nunca se había perdonado, en el cajón cerrado del escritorio que nadie había abierto desde el "
        "entierro de su padre. Había vuelto para venderla, o eso les había dicho a sus compañeros, a su contable "
        "y al amable agente inmobiliario que no dejaba de enviarle correos optimistas sobre la situación del "
        "mercado. La verdad era más complicada y considerablemente menos halagadora.",
        "El interés compuesto suele describirse como la octava maravilla del mundo, pero el principio que lo "
        "sustenta es sorprendentemente ordinario. Cuando los ahorros generan intereses y esos intereses se suman "
        "al saldo, los intereses del período siguiente se calculan sobre una cantidad ligeramente mayor. En un "
        "solo año, la diferencia parece insignificante. Sin embargo, a lo largo de varias décadas, el efecto "
        "resulta considerable, porque el crecimiento se acumula sobre el crecimiento anterior. Pensemos en una "
        "jardinera que guarda semillas de cada cosecha y las siembra la primavera siguiente. La primera "
        "temporada produce una cosecha modesta, pero cada temporada posterior comienza con más semillas que la "
        "anterior. La planificación financiera funciona de la misma manera: la constancia y el tiempo importan "
        "considerablemente más que el tamaño de cada aportación individual.",
        "La inspectora Raquel Hume llegó al puerto deportivo poco después de medianoche, cuando la niebla ya se "
        "había tragado las luces del muelle y había reducido los yates amarrados a formas grises e imprecisas. "
        "El agente que custodiaba el cordón pareció aliviado al verla, lo cual rara vez era una buena señal. El "
        "cadáver lo había descubierto un vigilante nocturno durante su ronda irregular, encajado entre el casco "
        "de un costoso velero y el pantalán de madera, como si alguien hubiera intentado ocultarlo "
        "precipitadamente y hubiera abandonado el esfuerzo a mitad de camino. Hume se agachó junto a la lona y "
        "observó el reloj caro, la ausencia de cartera y los peculiares moratones alrededor de las muñecas.",
    ],
}

FR = {
    "early-reader": [
        "Maya a un cerf-volant rouge. Le cerf-volant est grand. Il a une longue queue. Maya court sur la colline "
        "avec son chien, Bo. Le vent est fort. \"Monte, monte !\" dit Maya. Le cerf-volant monte dans le ciel. "
        "Il vole au-dessus des arbres. Il vole au-dessus de la mare. Bo aboie. Il veut l'attraper. \"Tu ne peux "
        "pas, Bo\", rit Maya. \"Il est trop haut !\" Puis le vent s'arrête. Le cerf-volant descend, descend. Il "
        "tombe dans un grand arbre. Oh non ! Maya regarde en haut. Bo regarde aussi. Un oiseau est à côté du "
        "cerf-volant. Il tire la ficelle avec son bec. Le cerf-volant tombe dans les bras de Maya. \"Merci, "
        "l'oiseau !\" dit-elle.",
    ],
    "middle-grade": [
        "Le message arriva un mardi, glissé dans un livre de la bibliothèque que personne n'avait emprunté "
        "depuis quarante ans. Priya le trouva par hasard, alors qu'elle cherchait quelque chose, n'importe quoi, "
        "sur les volcans. Le papier était jaune et doux, plié en un petit carré serré, et l'écriture penchait "
        "vers la gauche, comme si l'auteur avait été très pressé. \"Si tu lis ceci\", commençait-il, \"alors "
        "l'horloge de la mairie est sur le point de s'arrêter encore.\" Priya jeta un coup d'œil par la fenêtre. "
        "De l'autre côté de la place, la grande horloge indiquait trois heures douze, exactement comme "
        "d'habitude. Elle n'y avait jamais pensé, mais elle se rendit compte qu'elle ne l'avait jamais vue "
        "indiquer une autre heure. Son ventre se serra un peu.",
    ],
    "young-adult": [
        "Personne ne vous dit que le deuil a un bruit. Pour moi, c'était le silence particulier de notre cuisine "
        "à sept heures du matin, quand maman aurait dû chercher ses clés en se plaignant des embouteillages. À la "
        "place, il n'y avait que le ronronnement du réfrigérateur et mon frère qui mâchait ses céréales avec un "
        "soin exagéré, comme si faire du bruit risquait de casser autre chose. Je me suis versé un café dont je "
        "ne voulais pas et j'ai fixé le calendrier accroché au mur, toujours ouvert sur le mois de mars. "
        "Quelqu'un devait tourner la page. Quelqu'un devait faire beaucoup de choses, et je commençais à "
        "comprendre, avec une certitude lente et pesante, que ce quelqu'un, ce serait moi.",
    ],
    "adult": [
        "La maison de la rue Alder appartenait à la famille depuis trois générations et, pendant tout ce temps, "
        "elle avait absorbé une quantité remarquable de déceptions inavouées. Marguerite les percevait dans les "
        "lattes gondolées du couloir, dans le papier peint que sa mère avait choisi en 1974 sans jamais se le "
        "pardonner, dans le tiroir verrouillé du secrétaire que personne n'avait ouvert depuis l'enterrement de "
        "son père. Elle était revenue pour la vendre, du moins l'avait-elle affirmé à ses collègues, à son "
        "comptable et à l'agent immobilier particulièrement aimable qui lui envoyait régulièrement des courriels "
        "optimistes sur l'évolution du marché. La vérité était plus compliquée et considérablement moins "
        "flatteuse.",
    ],
}

DE = {
    "early-reader": [
        "Maya hat einen roten Drachen. Der Drachen ist groß. Er hat einen langen Schwanz. Maya läuft mit ihrem "
        "Hund Bo auf den Hügel. Der Wind ist stark. \"Hoch, hoch!\" ruft Maya. Der Drachen fliegt in den Himmel. "
        "Er fliegt über die Bäume. Er fliegt über den Teich. Bo bellt. Er will den Drachen fangen. \"Das geht "
        "nicht, Bo\", lacht Maya. \"Er ist zu hoch!\" Dann hört der Wind auf. Der Drachen fällt runter. Er landet "
        "in einem hohen Baum. Oh nein! Maya schaut nach oben. Bo schaut auch. Ein Vogel sitzt neben dem Drachen. "
        "Er zieht mit dem Schnabel an der Schnur. Der Drachen fällt in Mayas Arme. \"Danke, Vogel!\" sagt sie.",
    ],
    "middle-grade": [
        "Die Nachricht kam an einem Dienstag, versteckt in einem Buch der Bibliothek, das seit vierzig Jahren "
        "niemand ausgeliehen hatte. Priya fand sie zufällig, als sie nach irgendetwas über Vulkane suchte. Das "
        "Papier war gelb und weich, zu einem kleinen Quadrat gefaltet, und die Schrift neigte sich nach links, "
        "als hätte es der Schreiber sehr eilig gehabt. \"Wenn du das liest\", stand dort, \"dann bleibt die Uhr "
        "im Rathaus gleich wieder stehen.\" Priya blickte aus dem Fenster. Auf der anderen Seite des Platzes "
        "zeigte die große Uhr zwölf nach drei, genau wie immer. Sie hatte nie darüber nachgedacht, aber jetzt "
        "merkte sie, dass sie sich an keine andere Uhrzeit erinnern konnte. Ihr Magen zog sich ein wenig "
        "zusammen.",
    ],
    "young-adult": [
        "Niemand sagt einem, dass Trauer ein Geräusch hat. Für mich war es die besondere Stille unserer Küche um "
        "sieben Uhr morgens, wenn Mama eigentlich ihre Schlüssel hätte suchen und sich über den Verkehr "
        "beschweren sollen. Stattdessen summte nur der Kühlschrank, und mein Bruder kaute sein Müsli mit "
        "übertriebener Vorsicht, als könnte jedes Geräusch noch etwas zerbrechen. Ich goss mir einen Kaffee ein, "
        "den ich nicht wollte, und starrte auf den Kalender an der Wand, der immer noch den März zeigte. Jemand "
        "musste die Seite umblättern. Jemand musste eine Menge Dinge erledigen, und ich begann mit langsamer, "
        "schwerer Gewissheit zu begreifen, dass dieser Jemand ich sein würde.",
    ],
    "adult": [
        "Das Haus in der Erlenstraße war seit drei Generationen im Besitz der Familie und hatte in dieser Zeit "
        "eine bemerkenswerte Menge unausgesprochener Enttäuschungen aufgenommen. Margarete spürte sie in den "
        "verzogenen Dielen des Flurs, in der Tapete, die ihre Mutter 1974 ausgewählt und sich nie verziehen "
        "hatte, in der verschlossenen Schublade des Sekretärs, die seit der Beerdigung ihres Vaters niemand "
        "geöffnet hatte. Sie war zurückgekommen, um es zu verkaufen, so hatte sie es jedenfalls ihren Kollegen, "
        "ihrem Steuerberater und dem ausgesprochen freundlichen Immobilienmakler erklärt, der ihr unermüdlich "
        "optimistische Nachrichten über die gegenwärtige Marktentwicklung schickte. Die Wahrheit war "
        "komplizierter und erheblich weniger schmeichelhaft.",
    ],
}

SAMPLES: dict[str, dict[str, list[str]]] = {"en": EN, "es": ES, "fr": FR, "de": DE}

# The main characters of each sample (what a story bible would list), in SAMPLES order per level.
CAST: dict[str, dict[str, list[list[str]]]] = {
    "en": {"early-reader": [["Maya", "Bo"], ["Sam", "Pip", "Grandma"], ["Leo", "Dad", "Mom"]],
           "middle-grade": [["Priya"], ["Marcus", "Jada", "Ellie"], ["Theo", "Gizmo"]],
           "young-adult": [["Jess"], ["Kai", "Ren"], ["Ethan", "Sofia"]],
           "adult": [["Margaret"], ["Priya"], ["Rachel Hume"]]},
    "es": {"early-reader": [["Lucía", "Toto"], ["Pablo", "Abuela"], ["Ana", "Leo"]],
           "middle-grade": [["Mateo"], ["Marcos", "Julia", "Elena"], ["Teo", "Chispa"]],
           "young-adult": [["Lola"], ["Kai"], ["Ethan", "Sofía"]],
           "adult": [["Margarita"], ["Priya"], ["Raquel Hume"]]},
    "fr": {"early-reader": [["Maya", "Bo"]], "middle-grade": [["Priya"]], "young-adult": [["Léa"]],
           "adult": [["Marguerite"]]},
    "de": {"early-reader": [["Maya", "Bo"]], "middle-grade": [["Priya"]], "young-adult": [["Lena"]],
           "adult": [["Margarete"]]},
}
LEVEL_AGES = {"early-reader": 6, "middle-grade": 10, "young-adult": 15, "adult": 35}
