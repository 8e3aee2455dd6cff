// The private network of an isolated deployment: a subnet for the Function App's outbound traffic, one for the data
// services' private endpoints, and the private DNS zones that resolve those services to them.
metadata description = 'Virtual network with a Flex Consumption integration subnet, a private endpoint subnet and linked private DNS zones.'

@description('Name of the virtual network.')
@minLength(2)
@maxLength(64)
param name string

@description('Azure region.')
param location string

@description('Tags for the network and the zones.')
param tags object = {}

@description('Resource id of the Log Analytics workspace for diagnostics.')
param workspaceResourceId string

@description('Private DNS zones to create and link, by the key outputs name them with (privatelink.* zone names).')
param dnsZones object

resource vnet 'Microsoft.Network/virtualNetworks@2025-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    addressSpace: { addressPrefixes: ['10.20.0.0/16'] }
    subnets: [
      {
        name: 'app'
        properties: {
          addressPrefix: '10.20.1.0/24'
          // Flex Consumption integrates through a subnet delegated to Container Apps environments.
          delegations: [{ name: 'flex-consumption', properties: { serviceName: 'Microsoft.App/environments' } }]
          privateEndpointNetworkPolicies: 'Disabled'
        }
      }
      {
        name: 'private-endpoints'
        properties: {
          addressPrefix: '10.20.2.0/24'
          privateEndpointNetworkPolicies: 'Disabled'
        }
      }
    ]
  }
}

resource zones 'Microsoft.Network/privateDnsZones@2024-06-01' = [
  for zone in items(dnsZones): {
    name: zone.value
    location: 'global'
    tags: tags
  }
]

resource links 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = [
  for (zone, i) in items(dnsZones): {
    parent: zones[i]
    name: name
    location: 'global'
    tags: tags
    properties: {
      virtualNetwork: { id: vnet.id }
      registrationEnabled: false
    }
  }
]

// The newest version of diagnostic settings with category groups; the linter's choice, 2016-09-01, has none.
#disable-next-line use-recent-api-versions
resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: vnet
  properties: {
    workspaceId: workspaceResourceId
    logs: [{ categoryGroup: 'allLogs', enabled: true }]
    metrics: [{ category: 'AllMetrics', enabled: true }]
  }
}

output resourceId string = vnet.id
@description('The subnet the Function App integrates with.')
output appSubnetId string = vnet.properties.subnets[0].id
@description('The subnet private endpoints take their addresses from.')
output privateEndpointSubnetId string = vnet.properties.subnets[1].id
@description('Resource id of each private DNS zone, by the keys of dnsZones.')
output dnsZoneIds object = toObject(
  items(dnsZones),
  zone => zone.key,
  zone => resourceId('Microsoft.Network/privateDnsZones', zone.value)
)
