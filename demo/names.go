package demo

import (
	"math/rand/v2"
	"strings"
)

// The demo company sells software and consulting from Spain.
const (
	emailDomain = "iberica-software.example"
	parentTeam  = "Dirección Comercial"
)

var teamNames = []string{
	"Madrid", "Barcelona", "Valencia", "Sevilla", "Bilbao", "Lisboa",
	"Málaga", "Zaragoza", "Oporto", "Ciudad de México", "Monterrey", "Bogotá",
}

var firstNames = []string{
	"Lucía", "Carmen", "María", "Laura", "Marta", "Ana", "Elena", "Sara", "Paula", "Cristina",
	"Nuria", "Irene", "Alba", "Raquel", "Silvia", "Beatriz", "Rocío", "Pilar", "Patricia", "Inés",
	"Andrea", "Claudia", "Noelia", "Sonia", "Eva", "Julia", "Lorena", "Miriam", "Begoña", "Montserrat",
	"Javier", "Carlos", "David", "Daniel", "Alejandro", "Pablo", "Sergio", "Jorge", "Alberto", "Manuel",
	"Francisco", "Antonio", "José", "Miguel", "Rubén", "Álvaro", "Diego", "Adrián", "Raúl", "Iván",
	"Fernando", "Óscar", "Rafael", "Luis", "Andrés", "Ignacio", "Víctor", "Jaime", "Gonzalo", "Íñigo",
}

var surnames = []string{
	"García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez", "Gómez", "Martín",
	"Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno", "Muñoz", "Álvarez", "Romero", "Alonso", "Gutiérrez",
	"Navarro", "Torres", "Domínguez", "Vázquez", "Ramos", "Gil", "Ramírez", "Serrano", "Blanco", "Molina",
	"Morales", "Suárez", "Ortega", "Delgado", "Castro", "Ortiz", "Rubio", "Marín", "Sanz", "Núñez",
	"Iglesias", "Medina", "Garrido", "Cortés", "Castillo", "Santos", "Lozano", "Guerrero", "Cano", "Prieto",
	"Méndez", "Cruz", "Calvo", "Gallego", "Vidal", "León", "Márquez", "Herrera", "Peña", "Flores",
	"Cabrera", "Campos", "Vega", "Fuentes", "Carrasco", "Diez", "Caballero", "Reyes", "Nieto", "Aguilar",
	"Pascual", "Santana", "Herrero", "Montero", "Lorenzo", "Hidalgo", "Giménez", "Ibáñez", "Ferrer", "Durán",
}

// sectors are the values of the leads' "sector" custom field.
var sectors = []string{
	"Industria", "Comercio minorista", "Hostelería", "Logística", "Salud", "Construcción",
	"Educación", "Servicios profesionales", "Tecnología", "Agroalimentario",
}

// companyKinds open a company name and give its sector (index in sectors).
var companyKinds = []struct {
	word   string
	sector int
}{
	{"Talleres", 0}, {"Industrias", 0}, {"Metalúrgica", 0}, {"Plásticos", 0}, {"Mecanizados", 0},
	{"Distribuciones", 1}, {"Comercial", 1}, {"Muebles", 1}, {"Ópticas", 1}, {"Moda", 1},
	{"Hoteles", 2}, {"Restaurantes", 2}, {"Catering", 2},
	{"Transportes", 3}, {"Logística", 3}, {"Almacenes", 3},
	{"Clínica", 4}, {"Farmacia", 4}, {"Laboratorios", 4},
	{"Construcciones", 5}, {"Reformas", 5}, {"Inmobiliaria", 5},
	{"Academia", 6}, {"Colegio", 6}, {"Formación", 6},
	{"Asesoría", 7}, {"Consultores", 7}, {"Gestoría", 7}, {"Abogados", 7},
	{"Sistemas", 8}, {"Informática", 8}, {"Telecomunicaciones", 8},
	{"Bodegas", 9}, {"Conservas", 9}, {"Frutas", 9}, {"Aceites", 9},
}

var companyPlaces = []string{
	"del Norte", "del Sur", "Levante", "Mediterráneo", "Ibérica", "Atlántico", "Cantábrico",
	"Castellana", "Aragonesa", "Andaluza", "Gallega", "del Ebro", "del Tajo", "Central",
	"Integral", "Avanzada", "Global", "Costa", "Sierra", "Rioja", "Montes", "Peninsular",
}

var portugueseSurnames = []string{
	"Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Costa", "Rodrigues", "Martins",
	"Sousa", "Fernandes", "Gonçalves", "Gomes", "Lopes", "Marques", "Almeida", "Ribeiro",
}

// companyName invents a company name in the market's style.
func companyName(r *rand.Rand, kind int, suffix string, portuguese bool) string {
	k := companyKinds[kind].word
	sur := surnames[r.IntN(len(surnames))]
	if portuguese {
		sur = portugueseSurnames[r.IntN(len(portugueseSurnames))]
	}
	var name string
	switch r.IntN(5) {
	case 0:
		name = k + " " + sur
	case 1:
		name = k + " " + companyPlaces[r.IntN(len(companyPlaces))]
	case 2:
		name = k + " " + sur + " " + companyPlaces[r.IntN(len(companyPlaces))]
	case 3:
		name = k + " " + sur + " e Hijos"
		if portuguese {
			name = k + " " + sur + " & Filhos"
		}
	default:
		name = sur + " y " + surnames[r.IntN(len(surnames))]
		if portuguese {
			name = sur + " & " + portugueseSurnames[r.IntN(len(portugueseSurnames))]
		}
	}
	return name + " " + suffix
}

// products are the values of the deals' "product" custom field, with the
// median price in euros and the mix of new deals.
var products = []struct {
	name   string
	median float64
	weight float64
}{
	{"Rumbo CRM", 8500, 40},
	{"Rumbo Analytics", 13000, 20},
	{"Consultoría", 6500, 25},
	{"Formación", 2400, 15},
	{"Soporte Premium", 3000, 0},
	{"Ampliación de licencias", 4000, 0},
}

// Indices of the renewal products in products.
const (
	productSupport   = 4
	productExpansion = 5
)

var lostReasons = []string{
	"Precio", "Eligió a la competencia", "Sin presupuesto", "Sin respuesta",
	"No es el momento", "El producto no encaja",
}

var inquiryChannels = newWeighted([]string{"email", "teléfono", "chat", "formulario web"}, []float64{45, 30, 15, 10})

var inquiryTopics = newWeighted([]string{"Facturación", "Soporte técnico", "Información comercial", "Formación", "Incidencia"}, []float64{20, 35, 20, 10, 15})

// weighted is a list of values with a chooser over them.
type weighted struct {
	values []string
	c      chooser
}

func newWeighted(values []string, weights []float64) weighted {
	return weighted{values: values, c: newChooser(weights)}
}

func (w weighted) pick(r *rand.Rand) string { return w.values[w.c.pick(r)] }

// asciiFold lower-cases s and drops Spanish accents, for e-mail addresses.
var asciiFold = strings.NewReplacer(
	"á", "a", "é", "e", "í", "i", "ó", "o", "ú", "u", "ü", "u", "ñ", "n", "ç", "c",
	"Á", "a", "É", "e", "Í", "i", "Ó", "o", "Ú", "u", "Ñ", "n", " ", "",
)

func emailPart(s string) string { return strings.ToLower(asciiFold.Replace(s)) }
