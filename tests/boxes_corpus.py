"""Twelve short news stories written for the editor-box tests: a wire story and its copy,
an article and its English translation, a story unrelated to all others, an archive."""

from __future__ import annotations

from recommender.records import Article

WIRE = ("La sécheresse persiste au Maroc : les barrages du bassin du Sebou ne sont remplis "
        "qu'à 23 %, selon le ministère de l'Équipement et de l'Eau. Les agriculteurs de la "
        "région réclament des aides d'urgence pour l'irrigation et le cheptel.")


def stories() -> list[Article]:
    return [
        Article("eau-2025", "Sécheresse : les barrages du Sebou à 23 %", WIRE,
                tags=("Eau", "Sécheresse"), published="2025-03-10", section="Économie",
                language="fr", related=("eau-2023", "eau-2024")),
        Article("eau-2025-copie", "Sécheresse : les barrages du Sebou à 23 %", WIRE + " (MAP)",
                tags=("eau", "sécheresse"), published="2025-03-10", section="Économie",
                language="fr"),
        Article("eau-2024", "Barrages : la sécheresse frappe le bassin du Sebou",
                "Les barrages du Sebou baissent encore. La sécheresse pèse sur l'irrigation "
                "des agriculteurs et sur l'eau potable des villes de la région.",
                tags=("Eau", "Agriculture"), published="2024-06-02", section="Economie",
                language="fr"),
        Article("eau-2023", "Irrigation : les agriculteurs face à la sécheresse",
                "Faute de pluie, les agriculteurs réduisent l'irrigation. Les barrages de la "
                "région sont au plus bas et l'eau manque pour le cheptel.",
                tags=("Agriculture", "Sécheresse"), published="2023-09-15",
                section="Économie", language="fr"),
        Article("eau-2026", "Coupures d'eau à Fès : les barrages au plus bas",
                "La régie annonce des coupures d'eau nocturnes à Fès : les barrages du Sebou "
                "sont au plus bas après trois ans de sécheresse.",
                tags=("Eau",), published="2026-01-20", section="Régions", language="fr"),
        Article("water-2025-en", "Drought: Sebou basin dams at 23%",
                "Drought persists in Morocco: the dams of the Sebou basin are only 23% full, "
                "the Ministry of Equipment and Water says. Farmers ask for emergency aid.",
                tags=("Water", "Drought"), published="2025-03-11", section="Economy",
                language="en", translation_of="eau-2025"),
        Article("water-2024-en", "Farmers cut irrigation as dams run low",
                "Farmers in the Sebou region cut irrigation as dams run low after years of "
                "drought, and cities fear for their drinking water.",
                tags=("Water", "Agriculture"), published="2024-07-01", section="Economy",
                language="en"),
        Article("foot-2025", "Football : le Wydad remporte le derby",
                "Le Wydad a battu le Raja 2-1 au stade Mohammed-V devant 45 000 supporters.",
                tags=("Football", "Sport"), published="2025-03-09", section="Sport",
                language="fr"),
        Article("foot-2024", "Football : le Raja champion du Maroc",
                "Le Raja remporte le championnat après une victoire contre le Wydad au stade.",
                tags=("Football", "Sport"), published="2024-05-30", section="Sport",
                language="fr"),
        Article("livre-2025", "Le Salon du livre ouvre ses portes à Rabat",
                "Éditeurs et auteurs se retrouvent au Salon international de l'édition et du "
                "livre de Rabat, jusqu'au 20 mai.",
                tags=("Culture",), published="2025-05-11", section="Culture", language="fr"),
        Article("train-2025", "Le train à grande vitesse vers Marrakech",
                "L'ONCF présente la ligne à grande vitesse qui reliera Kénitra à Marrakech, "
                "avec des gares nouvelles et des billets moins chers.",
                tags=("Transport", "Ferroviaire"), published="2025-04-02", section="Économie",
                language="fr"),
        Article("train-2024", "Grande vitesse : les travaux de la ligne Kénitra-Marrakech",
                "Les travaux de la ligne à grande vitesse avancent : l'ONCF promet des trains "
                "vers Marrakech et de nouvelles gares.",
                tags=("Transport",), published="2024-10-01", section="Économie",
                language="fr"),
    ]
